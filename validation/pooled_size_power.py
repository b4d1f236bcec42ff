"""Size and power of the pooled evaluation's inference (issue 13), as validation/size_power.py.

The question: with 10-30 areas adopting at staggered dates, does randomization inference
that reassigns start years across areas hold its size (3-7% at the 5% level), and what power
does it have? Designs, on the real shipped series (edition A, log counts of women sentenced
to immediate custody, 2010-2020) of the 26 areas without schemes before 2021 (Greater
Manchester and every area of ``treated_areas(before=2021)`` removed: no area here had a
known scheme, so every rejection at effect 0 is a false one):

``random``
    Each replication draws a fake roll-out: ``k`` areas (default 10) chosen at random, each
    given a start year drawn without replacement from the real roll-out's primary start
    years (2013-2018, :func:`wsa_eval.pooled.start_year_options`). Assignment is random, as
    the test assumes: a check of the implementation and of Monte Carlo error.
``small_first``
    The same, but areas are chosen with probability proportional to the rank of their
    smallness (mean count before 2013): small areas, whose log counts are noisier, adopt
    more often. This breaks the test's exchangeability assumption in the way most likely to
    make it over-reject; it shows what a non-random roll-out can do.

Power: ``log(1 - r)`` added to the fake areas' outcomes from their start year on,
r = 10/20/30%. Methods: Callaway-Sant'Anna with randomization inference (``reps``
reassignments; the pooled evaluation's primary), Callaway-Sant'Anna with its analytic
standard error (``wsa_eval.did.callaway_santanna``), and, with ``--sdid``, staggered
synthetic DiD with randomization inference (each reassignment is a refit: slow).
Rejection: ``p <= 0.05``.

    PYTHONPATH=src python validation/pooled_size_power.py --reps-assign 2000 --k 10
    PYTHONPATH=src python validation/pooled_size_power.py --k 20 --designs random
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import warnings

import numpy as np
import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "src"))

EFFECTS = (0.0, 0.10, 0.20, 0.30)
ALPHA = 0.05


def real_series(end: int = 2020) -> pd.DataFrame:
    """Areas x years of log immediate custody, areas without schemes before ``end + 1``."""
    from wsa_eval.datasets import load_pfa_custody, load_wsa_start_dates, treated_areas

    d = load_pfa_custody("A")
    d = d[d["year"] <= end]
    drop = set(treated_areas(load_wsa_start_dates(), min_strength="medium", before=end + 1))
    drop.add("Greater Manchester")
    d = d[~d["pfa"].isin(drop)]
    return np.log(d.pivot(index="pfa", columns="year", values="immediate_custody").astype(float))


def real_start_years() -> np.ndarray:
    """The primary start years of the real roll-out inside 2011-2020."""
    from wsa_eval.datasets import load_wsa_start_dates
    from wsa_eval.pooled import start_year_options

    o = start_year_options(load_wsa_start_dates())
    y = o["primary"].to_numpy(float)
    return np.sort(y[(y > 2010) & (y <= 2020)])


def draw_assignment(wide: pd.DataFrame, years: np.ndarray, k: int, rng, design: str
                    ) -> np.ndarray:
    """Start year per area (inf = never) for one fake roll-out."""
    n = len(wide)
    if design == "random":
        who = rng.choice(n, size=k, replace=False)
    else:  # small areas more likely to adopt
        size = wide.loc[:, wide.columns < 2013].mean(axis=1).to_numpy()
        w = (n - np.argsort(np.argsort(size))).astype(float)
        who = rng.choice(n, size=k, replace=False, p=w / w.sum())
    starts = np.full(n, np.inf)
    starts[who] = rng.choice(years, size=k, replace=len(years) < k)
    return starts


def inject(Y: np.ndarray, times: np.ndarray, starts: np.ndarray, r: float) -> np.ndarray:
    if r == 0:
        return Y
    D = times[None, :] >= starts[:, None]
    return Y + math.log(1 - r) * D


def cs_ri_p(Y, times, starts, reps, rng) -> float:
    from wsa_eval.pooled import _cs

    fin = np.isfinite(starts)
    cohorts = np.unique(starts[fin])
    codes = np.where(fin, np.searchsorted(cohorts, starts), len(cohorts)).astype(int)
    lin = _cs.linear_cs(times, codes, cohorts, overall_only=True)
    perm = _cs.permuted_codes(codes, reps, rng)
    est = _cs.estimates(lin, Y, codes)
    return float(_cs.p_values(est, _cs.estimates(lin, Y, perm))[0])


def cs_analytic_p(Y, times, starts, units) -> float:
    from wsa_eval.did import callaway_santanna

    long = pd.DataFrame({"u": np.repeat(units, len(times)), "t": np.tile(times, len(units)),
                         "y": Y.ravel(), "g": np.repeat(np.where(np.isfinite(starts), starts,
                                                                 0), len(times))})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return float(callaway_santanna(long, outcome="y", unit="u", time="t",
                                       first_treated="g").p_value)


def sdid_ri_p(Y, times, starts, units, reps, rng) -> float:
    from wsa_eval.synth import sdid

    def fit(s):
        long = pd.DataFrame({"u": np.repeat(units, len(times)), "t": np.tile(times, len(units)),
                             "y": Y.ravel(), "g": np.repeat(np.where(np.isfinite(s), s, 0),
                                                            len(times))})
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return sdid(long, outcome="y", unit="u", time="t", first_treated="g",
                        inference=None).estimate

    est = fit(starts)
    perm = np.array([fit(rng.permutation(starts)) for _ in range(reps)])
    return float((1 + np.sum(np.abs(perm) >= abs(est) * (1 - 1e-12))) / (reps + 1))


def run(n_assign: int, k: int, designs, reps: int, seed: int, with_sdid: bool,
        sdid_assign: int, sdid_reps: int, effects=EFFECTS) -> pd.DataFrame:
    wide = real_series()
    Y0, times, units = wide.to_numpy(), wide.columns.to_numpy(float), wide.index.to_numpy()
    years = real_start_years()
    rng = np.random.default_rng(seed)
    rows = []
    for design in designs:
        for a in range(n_assign):
            starts = draw_assignment(wide, years, k, rng, design)
            for r in effects:
                Y = inject(Y0, times, starts, r)
                rows.append({"design": design, "assignment": a, "effect": r,
                             "method": "Callaway-Sant'Anna, randomization inference",
                             "p": cs_ri_p(Y, times, starts, reps, rng)})
                if a < sdid_assign:
                    rows.append({"design": design, "assignment": a, "effect": r,
                                 "method": "Callaway-Sant'Anna, analytic SE",
                                 "p": cs_analytic_p(Y, times, starts, units)})
                if with_sdid and a < sdid_assign and r in (0.0, 0.3):
                    rows.append({"design": design, "assignment": a, "effect": r,
                                 "method": "Synthetic DiD, randomization inference",
                                 "p": sdid_ri_p(Y, times, starts, units, sdid_reps, rng)})
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    df = df.assign(reject=df["p"] <= ALPHA * (1 + 1e-9))
    g = df.groupby(["design", "method", "effect"])["reject"].agg(["mean", "count"])
    g["mc_se"] = np.sqrt(g["mean"] * (1 - g["mean"]) / g["count"])
    out = g.reset_index().pivot_table(index=["design", "method"], columns="effect",
                                      values=["mean", "mc_se", "count"])
    rows = []
    for (design, method), r in out.iterrows():
        cells = {f"{'size' if e == 0 else f'power -{int(100 * e)}%'}":
                 f"{100 * r[('mean', e)]:.1f} ({100 * r[('mc_se', e)]:.1f})"
                 for e in EFFECTS if ("mean", e) in r.index
                 and not math.isnan(r[("mean", e)])}
        rows.append({"design": design, "method": method, **cells,
                     "assignments": int(r[("count", 0.0)])})
    return pd.DataFrame(rows)


def markdown(t: pd.DataFrame) -> str:
    cols = list(t.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    lines += ["| " + " | ".join(str(v) for v in row) + " |" for row in t.itertuples(index=False)]
    return "\n".join(lines)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reps-assign", type=int, default=2000, help="fake roll-outs per design")
    ap.add_argument("--k", type=int, default=10, help="areas adopting in each fake roll-out")
    ap.add_argument("--reps", type=int, default=199, help="reassignments per test")
    ap.add_argument("--designs", default="random,small_first")
    ap.add_argument("--sdid", action="store_true", help="also synthetic DiD (slow)")
    ap.add_argument("--sdid-assign", type=int, default=200,
                    help="roll-outs for the slower methods (analytic CS; SDID)")
    ap.add_argument("--sdid-reps", type=int, default=19)
    ap.add_argument("--seed", type=int, default=20261204)
    ap.add_argument("--out", default=os.path.join(HERE, "raw_pooled.csv.gz"))
    ap.add_argument("--summarise", default=None, help="only summarise this raw CSV")
    a = ap.parse_args(argv)
    if a.summarise:
        print(markdown(summarise(pd.read_csv(a.summarise))))
        return
    t0 = time.time()
    df = run(a.reps_assign, a.k, a.designs.split(","), a.reps, a.seed, a.sdid, a.sdid_assign,
             a.sdid_reps)
    df.to_csv(a.out, index=False)
    print(f"{len(df)} tests in {time.time() - t0:.0f} s (load {os.getloadavg()[0]:.1f})",
          file=sys.stderr)
    print(markdown(summarise(df)))


if __name__ == "__main__":
    main()
