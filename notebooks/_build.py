"""Build the notebooks from the cell sources below.

    python notebooks/_build.py            # write the notebooks without outputs
    python notebooks/_build.py --execute  # ... and run them (full repetitions), keeping outputs
    python notebooks/_build.py --execute 05  # only the notebooks whose names start with 05

The committed notebooks carry the outputs of an ``--execute`` run so they can be read without
running them; tests/test_notebooks.py re-executes every one of them (with WSA_EVAL_FAST=1,
which lowers the repetitions) so the code in them never goes stale.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).parent

SETUP = """import os
import warnings

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

import wsa_eval as we

FAST = os.environ.get("WSA_EVAL_FAST") == "1"   # CI runs the notebooks with fewer repetitions
REPS = 20 if FAST else 200
warnings.simplefilter("ignore", we.DataWarning)"""


def cells_gm():
    md, code = new_markdown_cell, new_code_cell
    return [
        md("# 1. Greater Manchester: how much of the fall in women sent to custody was the "
           "Whole System Approach?\n\n"
           "The Ministry of Justice's progress report on the Female Offender Concordat says "
           "Greater Manchester (GM), with a Whole System Approach (WSA) for women since 2014, "
           "saw *\"a significant 60% reduction in number of women sent to custody\"*. Custody "
           "of women fell across England and Wales in the same years. This notebook separates "
           "the two, step by step, with difference-in-differences (DiD), synthetic control (SC) "
           "and synthetic difference-in-differences (SDID)."),
        code(SETUP),
        md("## The data\n\nWomen (18+) sentenced to immediate custody by police force area "
           "(PFA) and year: MoJ Criminal Justice System statistics (December 2022 edition), as "
           "processed and published by the Prison Reform Trust. Open Government Licence v3.0. "
           "The PFA is that of the sentencing court, not of residence."),
        code("from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, "
             "treated_areas\n\n"
             "a = load_pfa_custody('A')\n"
             "gm = a[a.pfa == 'Greater Manchester'].set_index('year')['immediate_custody']\n"
             "ew = a.groupby('year')['immediate_custody'].sum()\n"
             "for name, s in (('Greater Manchester', gm), ('England and Wales', ew)):\n"
             "    print(f'{name}: {s[2014]} -> {s[2020]} ({s[2020] / s[2014] - 1:+.0%})')"),
        code("ax = (gm / gm[2013]).plot(marker='o', label='Greater Manchester')\n"
             "(ew / ew[2013]).plot(ax=ax, marker='s', label='England and Wales')\n"
             "ax.axvline(2013.5, ls=':', color='0.5'); ax.set_ylabel('index, 2013 = 1'); "
             "ax.legend();"),
        md("## Comparison areas\n\nAreas that had schemes of their own before 2021 would "
           "contaminate the comparison; the start-date table shipped with the package lists "
           "them, with a source and a strength of evidence for each."),
        code("schemes = treated_areas(load_wsa_start_dates(), min_strength='medium', "
             "before=2021)\n"
             "exclude = [p for p in schemes if p != 'Greater Manchester']\n"
             "panel = a[(a.year <= 2020) & ~a.pfa.isin(exclude)].copy()\n"
             "panel['log_custody'] = np.log(panel['immediate_custody'])\n"
             "print(len(exclude), 'areas left out;', panel.pfa.nunique() - 1, "
             "'comparison areas')\n"
             "we.validate_panel(panel, unit='pfa', time='year', outcome='log_custody', "
             "treated_units='Greater Manchester', start=2014).summary()"),
        md("## Three estimators, one machinery\n\nOn the log scale an effect of -0.3 means "
           "about 26% lower than it would otherwise have been. Standard errors by the placebo "
           "method (Arkhangelsky et al. 2021, Algorithm 4), the one that works with a single "
           "treated area."),
        code("from wsa_eval.synth.sdid import did, sc, sdid\n\n"
             "args = dict(outcome='log_custody', unit='pfa', time='year', "
             "treated='Greater Manchester', start=2014, se='placebo', reps=REPS, "
             "random_state=1, progress=False)\n"
             "fits = {'DiD': did(panel, **args), 'SC': sc(panel, **args), "
             "'SDID': sdid(panel, **args)}\n"
             "we.compare(fits)"),
        code("fits['SDID'].plot();"),
        md("## The claim check\n\n`check_claim` runs all three, adds exact permutation "
           "p-values (every comparison area given the WSA in turn) and robustness checks, and "
           "reads the result in fixed words."),
        code("from wsa_eval.claims import check_claim\n\n"
             "claim = check_claim(a, outcome='immediate_custody', unit='pfa', time='year',\n"
             "                    treated='Greater Manchester', start=2014, end=2020,\n"
             "                    claimed_change=-0.60, exclude=exclude, other_starts=[2015],\n"
             "                    reps=REPS, random_state=2014, progress=False)\n"
             "print(claim.interpret())"),
        code("claim.summary()"),
        code("fig, axes = plt.subplots(1, 2, figsize=(12, 4))\n"
             "claim.plot('paths', ax=axes[0]); claim.plot('placebo', ax=axes[1]);"),
        md("## What this can and cannot say\n\n"
           "* The raw fall (-58%) mixes the WSA with a national fall of about 40%.\n"
           "* The estimated attributable change is uncertain; the interval is wide because GM "
           "is one area among about 40 and year-to-year changes in a single area are large.\n"
           "* Counts are by sentencing court area; the reoffending part of the claim cannot be "
           "checked with public data."),
    ]


def cells_guided():
    md, code = new_markdown_cell, new_code_cell
    return [
        md("# 4. A guided evaluation for an area analyst\n\n"
           "From a CSV of your area and the others, to a report you can hand in. No statistics "
           "background needed: every step says what it checks and why."),
        code(SETUP),
        md("## Step 1: check the data\n\nThe same checks run from the command line: "
           "`wsa-eval check mydata.csv --unit pfa --time year --outcome immediate_custody "
           "--treated-unit \"Greater Manchester\" --start 2014` (exit code 0 = fine, 1 = "
           "warnings, 2 = errors)."),
        code("from wsa_eval.datasets import load_pfa_custody\n\n"
             "data = load_pfa_custody('A')\n"
             "report = we.validate_panel(data, unit='pfa', time='year', "
             "outcome='immediate_custody', treated_units='Greater Manchester', start=2014)\n"
             "report.summary()"),
        md("A mistake in the data gets a message that names what to fix:"),
        code("bad = pd.concat([data, data.iloc[[0]]])\n"
             "try:\n"
             "    we.validate_panel(bad, unit='pfa', time='year', outcome='immediate_custody')\n"
             "except we.PanelError as err:\n"
             "    print(err)"),
        md("## Step 2: check the claim\n\nGive the area, when the scheme started, the end of "
           "the claim and the claimed change."),
        code("from wsa_eval.claims import check_claim\n"
             "from wsa_eval.datasets import load_wsa_start_dates, treated_areas\n\n"
             "others = [p for p in treated_areas(load_wsa_start_dates(), before=2021) "
             "if p != 'Greater Manchester']\n"
             "claim = check_claim(data, outcome='immediate_custody', unit='pfa', time='year',\n"
             "                    treated='Greater Manchester', start=2014, end=2020,\n"
             "                    claimed_change=-60, exclude=others, reps=REPS,\n"
             "                    random_state=1, progress=False)\n"
             "print(claim.verdict)"),
        md("## Step 3: write the report\n\nOne HTML file with the pictures inside it, and a "
           "Markdown copy. Counts of individuals below 5 are never shown."),
        code("import tempfile, pathlib\n"
             "out = pathlib.Path(tempfile.mkdtemp()) / 'report.html'\n"
             "html_path, md_path = we.report(claim, out, scheme='the Whole System Approach')\n"
             "print(md_path.read_text()[:1500])"),
    ]


def cells_staggered():
    md, code = new_markdown_cell, new_code_cell
    return [
        md("# 2. The roll-out as one design: do Whole System Approaches reduce women's "
           "custody where they run?\n\n"
           "With one treated area among about 40, a single area's claim is usually "
           "'inconclusive' (notebook 1, and the size-and-power study in validation/RESULTS.md). "
           "The ministry's question is different: across every police force area that "
           "started a Whole System Approach or a women's diversion scheme, did custody of "
           "women fall compared with areas without one? This notebook pools the roll-out: "
           "schemes started in different years (staggered adoption), so it uses estimators "
           "built for that (Callaway & Sant'Anna 2021; staggered synthetic "
           "difference-in-differences), **randomization inference that reassigns the start "
           "years across areas** (valid with 10-30 treated areas, under assumptions stated "
           "below), and bounds over the uncertain start dates."),
        code(SETUP),
        md("## Start years, graded\n\nThe start-date table lists pilots, launches and "
           "funding years, each with its date precision and strength of evidence. A scheme "
           "that started late in a year (or whose date is known only to the year) may first "
           "have acted in the next year, so each area gets a *set* of plausible first years; "
           "the analysis uses the earliest and then reports how the answer moves over all "
           "the combinations."),
        code("from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates\n"
             "from wsa_eval.pooled import start_year_options\n\n"
             "a = load_pfa_custody('A')\n"
             "sd = load_wsa_start_dates()\n"
             "options = start_year_options(sd)   # medium or high evidence\n"
             "options[['unit', 'years', 'primary', 'n_events']]"),
        md("## The pooled evaluation\n\nEdition A (MoJ December 2022 data), log counts of "
           "women sentenced to immediate custody, 2010-2020 (before the pandemic's court "
           "backlog dominates). West Yorkshire and Merseyside ran short pilots in 2008-09, "
           "before the data: they are neither treated nor clean comparisons and are left "
           "out."),
        code("fast = dict(reps=99, sdid_reps=5, bounds_reps=19, max_combinations=50) if FAST "
             "else dict(reps=999, sdid_reps=199, bounds_reps=199, max_combinations=10000)\n"
             "pooled = we.pooled_evaluation(a, outcome='immediate_custody', unit='pfa', "
             "time='year',\n"
             "                              start_dates=sd, end=2020, random_state=2026, "
             "progress=False, **fast)\n"
             "print(pooled.interpret())\n"
             "pooled.summary()"),
        md("**How the test works, and what it assumes.** The observed start years (and "
           "'never' for the 26 areas without a scheme) are shuffled across the 40 areas many "
           "times; each shuffle is a roll-out that could have happened, and the estimate is "
           "recomputed for it. The p-value is the share of shuffles with an effect at least "
           "as large as the real one. It is exact, whatever the number of treated areas, if "
           "(1) no scheme changed any area's custody (the null being tested), (2) every area "
           "was as likely as any other to receive each start year, and (3) one area's scheme "
           "did not change another's numbers. Assumption 2 is the one the real roll-out may "
           "break (areas chose to run schemes); `strata=` reassigns only within groups (e.g. "
           "England and Wales). The interval inverts the test under a constant proportional "
           "effect.\n\n"
           "**Does it hold its size?** `validation/pooled_size_power.py` gives fake roll-outs "
           "of 10 areas to the 26 areas without schemes (real series, real start years): the "
           "test rejects a true null 4.2% of the time (2,000 roll-outs, MC SE 0.4) and 5.7% "
           "when small, noisier areas are more likely to adopt (a non-random roll-out); "
           "Callaway-Sant'Anna's analytic standard errors reject 12%. It detects a true 20% "
           "reduction 74% of the time: pooling gives the power a single area lacks."),
        code("pooled.plot('event_study');"),
        md("Effects by years since the start. Before the start the estimates hover around "
           "zero (no sign of different trends). The later years rest on the earliest "
           "cohorts only (Sussex and Lancashire from 2013, Greater Manchester and South "
           "Wales from 2014), so they are less certain and describe fewer areas."),
        code("pooled.start_years.drop(columns='events')"),
        code("pooled.plot('start_dates');"),
        code("pooled.plot('leave_one_out');"),
        md("## Counts are counts: a Poisson model for the same roll-out\n\nLog counts "
           "weight every area equally and fail at zero. Poisson pseudo-maximum likelihood "
           "(Wooldridge 2023) models the count itself, with area and year effects and one "
           "effect per cohort and year; the effect reads as a percentage change."),
        code("from wsa_eval.did import ppml\n\n"
             "rollout = a[(a.year <= 2020) & ~a.pfa.isin(['West Yorkshire', 'Merseyside'])]"
             ".copy()\n"
             "first = dict(zip(options.unit, options.primary))\n"
             "rollout['first_treated'] = rollout.pfa.map(first).fillna(0)\n"
             "counts = ppml(rollout, outcome='immediate_custody', unit='pfa', time='year',\n"
             "              first_treated='first_treated', inference='randomization',\n"
             "              reps=(49 if FAST else 999), random_state=1)\n"
             "print(counts.interpret())\n"
             "counts.plot();"),
        md("## What two-way fixed effects would have said: the Bacon decomposition\n\n"
           "A single TWFE regression pools every comparison, including 'forbidden' ones "
           "where already-treated areas serve as controls (Goodman-Bacon 2021)."),
        code("from wsa_eval.did.bacon import bacon_decomposition\n\n"
             "rollout['log_custody'] = np.log(rollout['immediate_custody'])\n"
             "bd = bacon_decomposition(rollout, outcome='log_custody', unit='pfa', "
             "time='year',\n"
             "                         first_treated='first_treated')\n"
             "bd.plot();"),
        md("## Other staggered event-study estimators on one plot\n\nCallaway & "
           "Sant'Anna's dynamic aggregation beside Sun & Abraham (2021) and the imputation "
           "estimator of Borusyak, Jaravel & Spiess (2024), on the same roll-out (their "
           "default, analytic intervals)."),
        code("from wsa_eval.did import callaway_santanna\n"
             "from wsa_eval.did.imputation import imputation\n"
             "from wsa_eval.did.sun_abraham import sun_abraham\n"
             "from wsa_eval.plotting import event_study_plot\n\n"
             "args = dict(outcome='log_custody', unit='pfa', time='year', "
             "first_treated='first_treated')\n"
             "dyn = callaway_santanna(rollout, **args).aggregate('dynamic')\n"
             "sa = sun_abraham(rollout, **args)\n"
             "bjs = imputation(rollout, **args)\n"
             "event_study_plot([dyn, sa, bjs], labels=['Callaway-Sant\\'Anna', "
             "'Sun-Abraham', 'Imputation (BJS)']);"),
        md("## Planning a single-area evaluation\n\nBefore an area spends a year collecting "
           "data: how large an effect could its own claim check detect? The planner gives "
           "each comparison area the scheme on paper, adds a known reduction and applies the "
           "claim check's statistic (the synthetic DiD effect in the end year, with its "
           "verdict rule)."),
        code("from wsa_eval.datasets import treated_areas\n\n"
             "gm = a[a.year <= 2020]\n"
             "others = [p for p in treated_areas(sd, before=2021) if p != 'Greater Manchester']\n"
             "plan = we.plan_evaluation(gm, outcome='immediate_custody', unit='pfa', "
             "time='year',\n"
             "                          treated='Greater Manchester', start=2014, end=2020, "
             "exclude=others)\n"
             "print(plan.sentence)\n"
             "plan.plot();"),
    ]


def cells_reoffending():
    md, code = new_markdown_cell, new_code_cell
    return [
        md("# 3. Reoffending: survival analysis and a matched comparison\n\n"
           "No public proven-reoffending rates exist by police force area and sex, so this "
           "notebook uses individual-level data: the Rossi et al. (1980) recidivism "
           "experiment, and a simulated cohort of women referred to a scheme, run through the "
           "Ministry of Justice's proven-reoffending definitions and a Justice Data Lab style "
           "matched comparison."),
        code(SETUP),
        md("## Rossi: Kaplan-Meier, log-rank, Cox"),
        code("from wsa_eval.datasets import load_rossi\n"
             "from wsa_eval.survival import cox, kaplan_meier, logrank, "
             "proportional_hazards_test, rmst\n\n"
             "rossi = load_rossi()\n"
             "km = kaplan_meier(rossi, duration='week', event='arrest', group='fin')\n"
             "km.plot();"),
        code("print(logrank(rossi, duration='week', event='arrest', group='fin').summary())\n"
             "fit = cox(rossi, duration='week', event='arrest',\n"
             "          covariates=['fin', 'age', 'race', 'wexp', 'mar', 'paro', 'prio'],\n"
             "          treatment='fin', ties='efron', inference='robust')\n"
             "fit.summary()"),
        code("proportional_hazards_test(fit).summary()"),
        code("rmst(rossi, duration='week', event='arrest', tau=52, group='fin').summary()"),
        md("## A simulated cohort of women referred to a scheme\n\nIndex events (a caution "
           "or court order) and offence records with the dates they were committed and "
           "proven. Referral depends on age and prior offences, which also drive "
           "reoffending: a naive comparison is confounded."),
        code("rng = np.random.default_rng(7)\n"
             "n = 4000\n"
             "people = pd.DataFrame({'person_id': np.arange(n),\n"
             "    'index_date': pd.Timestamp('2019-01-01') + "
             "pd.to_timedelta(rng.integers(0, 365, n), 'D'),\n"
             "    'age': rng.integers(18, 60, n), 'priors': rng.poisson(2, n)})\n"
             "lin = -1.5 + 0.03 * (40 - people.age) + 0.25 * people.priors\n"
             "people['referred'] = rng.binomial(1, 1 / (1 + np.exp(-lin)))\n"
             "hazard = 0.0012 * np.exp(0.25 * people.priors - 0.02 * (people.age - 30) "
             "- 0.4 * people.referred)\n"
             "first = rng.exponential(1 / hazard)\n"
             "rows = []\n"
             "for pid, t0, f in zip(people.person_id, people.index_date, first):\n"
             "    day = f\n"
             "    while day < 700:\n"
             "        committed = t0 + pd.Timedelta(days=int(day) + 1)\n"
             "        rows.append((pid, committed, committed + "
             "pd.Timedelta(days=int(rng.integers(5, 200)))))\n"
             "        day += rng.exponential(120)\n"
             "offences = pd.DataFrame(rows, columns=['person_id', 'offence_date', "
             "'proven_date'])\n"
             "len(offences)"),
        code("from wsa_eval.survival import balance, match, proven_reoffending, "
             "reoffending_effects\n\n"
             "cohort = proven_reoffending(people, offences, data_end='2021-12-31')\n"
             "frame = cohort.persons   # one row per woman, her own columns kept\n"
             "cohort.summary()"),
        code("m = match(frame, treatment='referred', covariates=['age', 'priors'], "
             "caliper=0.2, random_state=1)\n"
             "bal = balance(frame, treatment='referred', covariates=['age', 'priors'], "
             "matched=m)\n"
             "bal.plot();"),
        code("naive = reoffending_effects(frame, treatment='referred', population='women')\n"
             "matched = reoffending_effects(frame, treatment='referred', weights=m, "
             "population='women')\n"
             "print('Naive:', naive.statements[0])\n"
             "print('Matched:', matched.statements[0])\n"
             "matched.summary()"),
        md("## Competing risks\n\nIf death (or deportation) prevents reoffending, "
           "1 - Kaplan-Meier overstates the chance of reoffending; the Aalen-Johansen "
           "cumulative incidence does not. Example: R's `survival::mgus2` (progression vs "
           "death)."),
        code("from wsa_eval.datasets import load_mgus2_cr\n"
             "from wsa_eval.survival import cumulative_incidence\n\n"
             "mg = load_mgus2_cr()\n"
             "ci = cumulative_incidence(mg, duration='etime', event='event', "
             "event_of_interest=1, group='sex')\n"
             "ci.plot();"),
    ]


def cells_linked():
    md, code = new_markdown_cell, new_code_cell
    return [
        md("# 5. Linked data at scale: from person-level records to an area panel, survival "
           "curves and a matched comparison, on DuckDB\n\n"
           "Linked criminal-justice data (the MoJ's BOLD programme, the Justice Data Lab) are "
           "tens of millions of rows in Parquet files and SQL engines. Every survival function "
           "of wsa_eval takes, where it takes a pandas DataFrame, a Parquet or CSV path, a "
           "DuckDB relation, an ibis table or a Spark DataFrame: the person-level work runs "
           "in the engine (DuckDB, in-process, by default) and only small tables come back. "
           "The answers are the pandas answers, exactly.\n\n"
           "The data here are **synthetic** (`wsa_eval.engine.simulate_linked_data`): people, "
           "their offences with offence and proven dates, sex, age, police force area, "
           "disposal, and a flag for referral to a diversion programme whose true effect is a "
           "hazard ratio of exp(-0.2) = 0.82."),
        code(SETUP + "\nimport tempfile\n\n"
             "from wsa_eval.engine import area_panel, connect, simulate_linked_data\n"
             "from wsa_eval.survival import cox, exact_match, kaplan_meier, "
             "proven_reoffending"),
        md("## Linked records in Parquet\n\nOne file set of people (one index event each) "
           "and one of offences. At 10 million people this is 100 million offence rows; here "
           "a small version runs in seconds."),
        code("folder = tempfile.mkdtemp()\n"
             "data = simulate_linked_data(20_000 if FAST else 200_000, out=folder, "
             "random_state=1)\n"
             "print(f'{data.n_people:,} people, {data.n_offences:,} offence rows')\n"
             "print(data.people, data.offences, sep='\\n')"),
        md("## The proven-reoffending cohort, built in SQL\n\nThe MoJ definitions "
           "(12-month follow-up, 6-month waiting period, first proven reoffence, frequency, "
           "censoring) as in `proven_reoffending` on pandas. Paths are read by DuckDB; a "
           "connection with a memory limit can be used instead "
           "(`con = connect(memory_limit='3GB')`, then `con.read_parquet(...)`)."),
        code("cohort = proven_reoffending(data.people, data.offences, data_end=data.data_end)\n"
             "cohort.measures[['measure', 'value']]"),
        code("print(cohort.interpret())\n"
             "cohort.persons.limit(5).df()  # the per-person table stays in DuckDB"),
        md("## An area x year panel for the area-level methods\n\nCounts of offences by "
           "police force area and year, zero where there were none, with rates per 100,000 "
           "residents from the (synthetic) mid-year population estimates. The frame is in the "
           "layout `check_claim`, `sdid` and `callaway_santanna` take."),
        code("panel = area_panel(data.offences, area='pfa', date='offence_date', "
             "population=data.population,\n"
             "                   start=2016, end=2020, "
             "first_treated={'Greater Manchester': 2018})\n"
             "we.validate_panel(panel, unit='pfa', time='year', outcome='rate', "
             "first_treated='first_treated')\n"
             "panel.head()"),
        code("wide = panel.pivot(index='year', columns='pfa', values='rate')\n"
             "ax = wide.drop(columns='Greater Manchester').plot(color='0.8', legend=False)\n"
             "wide['Greater Manchester'].plot(ax=ax, color='C3', lw=2)\n"
             "ax.set_ylabel('offences per 100,000 residents');"),
        md("## Survival curves and a Cox model, computed from counts\n\nKaplan-Meier needs "
           "only the number of people with an event or censored at each day in each group; the "
           "Cox model with categorical covariates needs the counts by covariate pattern and "
           "day (its Efron likelihood is exact for these counts). DuckDB computes them; "
           "text covariates are dummy-coded as `pandas.get_dummies(drop_first=True)` would."),
        code("km = kaplan_meier(cohort.persons, duration='time', event='event', "
             "group='programme')\n"
             "km.plot();"),
        code("fit = cox(cohort.persons, duration='time', event='event', treatment='programme',\n"
             "          covariates=['programme', 'sex', 'age_band', 'disposal', 'prior_band'])\n"
             "print(f'hazard ratio for the programme: {np.exp(fit.estimate):.2f} '\n"
             "      f'({np.exp(fit.ci_low):.2f} to {np.exp(fit.ci_high):.2f}); true value '\n"
             "      f'{np.exp(-0.2):.2f}; {fit.diagnostics[\"cells\"]:,} cells from '\n"
             "      f'{fit.n_obs:,} people')\n"
             "fit.effects[['term', 'estimate', 'std_error', 'hazard_ratio']].head(8)"),
        md("## A matched comparison (Justice Data Lab style)\n\nCoarsened exact matching: "
           "people referred to the programme are compared with people who were not but share "
           "their sex, age band, disposal and number of earlier offences; the comparison group "
           "is weighted to the referred group's mix."),
        code("m = exact_match(cohort.persons, treatment='programme',\n"
             "                covariates=['sex', 'age_band', 'disposal', 'prior_band'],\n"
             "                outcomes=['reoffended', 'n_reoffences'])\n"
             "print(m.interpret())\n"
             "m.effects[['term', 'treated_value', 'comparison_value', 'estimate', "
             "'ci_low', 'ci_high']]"),
        md("## On Spark\n\nThe same calls run on a Spark cluster (or `local[2]`) when the "
           "inputs are Spark DataFrames, e.g. `people = spark.read.parquet(...)`; install "
           "`pip install 'wsa_eval[spark]'` (Java 17 or later). The SQL is written once and "
           "transpiled to Spark SQL; DuckDB and Spark give identical cohorts."),
    ]


def main() -> None:
    import sys

    execute = "--execute" in sys.argv[1:]
    only = [a for a in sys.argv[1:] if not a.startswith("--")]  # e.g. "05": that one only
    for name, cells in (("01_greater_manchester_claim.ipynb", cells_gm()),
                        ("02_staggered_rollout.ipynb", cells_staggered()),
                        ("03_reoffending_survival.ipynb", cells_reoffending()),
                        ("04_guided_evaluation.ipynb", cells_guided()),
                        ("05_linked_data.ipynb", cells_linked())):
        if only and not any(name.startswith(o) for o in only):
            continue
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}})
        if execute:
            import tempfile

            import nbclient

            with tempfile.TemporaryDirectory() as tmp:  # files a notebook writes go there
                nbclient.NotebookClient(nb, timeout=1200, kernel_name="python3",
                                        resources={"metadata": {"path": tmp}}).execute()
        nbformat.write(nb, HERE / name)


if __name__ == "__main__":
    main()
