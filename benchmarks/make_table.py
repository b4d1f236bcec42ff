"""Write the README's benchmark table from the results files (``make bench`` runs this last).

    python3 benchmarks/make_table.py [--mode full|quick] [--check]

Reads ``benchmarks/results/<mode>/*.json`` (written by the benchmark scripts) and writes
the table to ``benchmarks/results/<mode>/TABLE.md``; in full mode it also replaces the part
of README.md between ``<!-- bench-table:start -->`` and ``<!-- bench-table:end -->``, so the
table and the results files cannot disagree. ``--check`` only compares the README with what
would be written (exit status 1 if they differ). Quick-mode results never touch the README.

Every number in the table is read from a results file: the task's row names the case and
the contenders; the fastest peer that finished is shown first, slower ones in brackets,
peers stopped at the time cap as "stopped at N s", and a peer that could not run as such.
Standard library only.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
README = HERE.parent / "README.md"
START, END = "<!-- bench-table:start -->", "<!-- bench-table:end -->"

PEER_LABEL = {
    "csdid": "csdid", "differences": "differences (n_jobs=2)", "csdid_boot": "csdid",
    "differences_boot": "differences (n_jobs=2)", "differences_1job": "differences (n_jobs=1)",
    "differences_1job_boot": "differences (n_jobs=1)", "pyfixest saturated": "pyfixest",
    "pyfixest did2s": "pyfixest `did2s`", "pyfixest feols": "pyfixest `feols`",
    "wildboottest parallel=True": "wildboottest", "wildboottest parallel=False":
    "wildboottest (parallel=False)", "honestdid": "honestdid", "pysyncon": "pysyncon",
    "synthdid": "synthdid", "synthdid-py": "synthdid-py",
    "lifelines_cox_efron": "lifelines", "statsmodels_cox_efron": "statsmodels",
    "R_coxph_efron": "R `coxph`", "lifelines_cox_efron_robust": "lifelines",
    "R_coxph_efron_robust": "R `coxph`", "statsmodels_km": "statsmodels",
    "lifelines_km": "lifelines", "R_survfit_km": "R `survfit`",
    "pandas": "pandas merge", "pandas naive": "pandas by hand",
}


def _units(c: dict) -> str:
    return f"{c['units']:,} units x {c.get('periods', 10)} periods"


#: one table row per task: results file, case (exact key, or (prefix, "max"/"min") to pick
#: among the keys by their number), our contender(s), peers, and how to describe the data
ROWS = [
    dict(task="Callaway-Sant'Anna, analytic SEs", file="did_cs", case=("units_", "max"),
         ours=["wsa_eval"], peers=["csdid", "differences", "differences_1job"], data=_units,
         mem=True),
    dict(task="Callaway-Sant'Anna, analytic SEs", file="did_cs", case=("units_", "min"),
         ours=["wsa_eval"], peers=["csdid", "differences", "differences_1job"], data=_units,
         several=True),
    dict(task="Callaway-Sant'Anna, 1,000 multiplier-bootstrap draws", file="did_cs",
         case=("units_", "max"), ours=["wsa_eval_boot"],
         peers=["csdid_boot", "differences_boot", "differences_1job_boot"], data=_units,
         mem=True),
    dict(task="Callaway-Sant'Anna bootstrap, growth with size", file="did_cs",
         case="scaling", ours=None, peers=[], data=None, kind="scaling"),
    dict(task="Static TWFE, CRV1", file="did_reg", case="twfe", ours=["wsa_eval twfe"],
         peers=["pyfixest feols"], data=_units),
    dict(task="Sun-Abraham event study", file="did_reg", case="sun_abraham",
         ours=["wsa_eval sun_abraham"], peers=["pyfixest saturated"], data=_units),
    dict(task="Imputation (BJS)", file="did_reg", case="imputation",
         ours=["wsa_eval imputation"], peers=["pyfixest did2s"], data=_units),
    dict(task="Wild cluster bootstrap", file="did_inf_wild", case="wild",
         ours=["wsa_eval (p-value)"],
         peers=["wildboottest parallel=True", "wildboottest parallel=False"],
         data=lambda c: f"42 areas x 13 years, {c['reps']:,} draws"),
    dict(task="HonestDiD relative magnitudes", file="did_inf_honest", case="rm",
         ours=["wsa_eval"], peers=["honestdid"], data=lambda c: "Medicaid example"),
    dict(task="HonestDiD smoothness", file="did_inf_honest", case="sd",
         ours=["wsa_eval"], peers=["honestdid"], data=lambda c: "Medicaid example"),
    dict(task="ADH synthetic control, nested V", file="synth_adh",
         case=["prop99_fit", "sim20_fit"], ours=["wsa_eval"], peers=["pysyncon"],
         data=lambda c: "Proposition 99" if c["case"].startswith("prop99")
         else "simulated, 20 donors", kind="adh"),
    dict(task="ADH placebo-in-space loop", file="synth_adh",
         case=["prop99_placebo", "sim20_placebo"], ours=["wsa_eval:n_jobs=2", "wsa_eval"],
         peers=["pysyncon"],
         data=lambda c: "Proposition 99, 38 nested refits" if c["case"].startswith("prop99")
         else "simulated, 20 donors"),
    dict(task="ADH placebo-in-space loop, user V", file="synth_adh",
         case=["sim500_placebo"], ours=["wsa_eval:n_jobs=2", "wsa_eval"], peers=["pysyncon"],
         data=lambda c: "500 donors x 40 periods, 500 refits"),
    dict(task="SDID + placebo SEs", file="synth_sdid", case="prop99",
         ours=["wsa_eval"], peers=["synthdid", "synthdid-py"],
         data=lambda c: f"Proposition 99, {c['reps']} replications"),
    dict(task="SDID + placebo SEs", file="synth_sdid", case="sim",
         ours=["wsa_eval"], peers=["synthdid", "synthdid-py"],
         data=lambda c: c["description"].split(":")[0].replace("simulated factor model, ", "")
         + f", {c['reps']} replications"),
    dict(task="Cox, Efron ties", file="survival_cox_km", case=("ties_", "max"),
         ours=["wsa_cox_efron"],
         peers=["lifelines_cox_efron", "statsmodels_cox_efron", "R_coxph_efron"],
         data=lambda c: f"{c['n']:,} people, 8 covariates, tied times", mem=True),
    dict(task="Cox, continuous times", file="survival_cox_km", case=("continuous_", "min"),
         ours=["wsa_cox_efron"],
         peers=["lifelines_cox_efron", "statsmodels_cox_efron", "R_coxph_efron"],
         data=lambda c: f"{c['n']:,} people, 8 covariates", mem=True),
    dict(task="Cox at scale vs one pass over the data", file="survival_cox_km",
         case=("continuous_", "max"), ours=["wsa_cox_efron"], peers=[], kind="floor",
         data=lambda c: f"{c['n']:,} people, 8 covariates", mem=True),
    dict(task="Cox robust SEs, Efron ties", file="survival_cox_km", case=("ties_", "min"),
         ours=["wsa_cox_efron_robust"],
         peers=["lifelines_cox_efron_robust", "R_coxph_efron_robust"],
         data=lambda c: f"{c['n']:,} people"),
    dict(task="Cox with every default (concordance included)", file="survival_cox_km",
         case=("ties_", "min"), ours=["wsa_cox_efron_default"],
         peers=["lifelines_cox_efron"], data=lambda c: f"{c['n']:,} people"),
    dict(task="Kaplan-Meier by group", file="survival_cox_km", case=("ties_", "max"),
         ours=["wsa_km"], peers=["statsmodels_km", "lifelines_km", "R_survfit_km"],
         data=lambda c: f"{c['n']:,} people"),
    dict(task="Proven-reoffending cohort", file="survival_cohort", case="cohort",
         ours=["stream"], peers=["pandas"], mem=True,
         data=lambda c: f"{c['people']:,} people, {c['offences']:,} offence rows"),
    dict(task="MoJ outcomes reader", file="data_moj_reader", case="reader",
         ours=["wsa_eval"], peers=["pandas naive"], mem=True,
         data=lambda c: f"{c['n_rows']:,}-row CSV"),
]


def secs(x: float) -> str:
    if x < 0.095:
        return f"{x:.3f} s"
    if x < 9.95:
        return f"{x:.2f} s" if x < 1 else f"{x:.1f} s"
    return f"{x:.0f} s"


def mem(r: dict) -> str:
    mb = max(r.get("peak_mb", 0.0), r.get("peak_tree_mb", 0.0))
    return f"{mb:,.0f} MB" if mb < 1000 else f"{mb / 1024:.1f} GB"


def _pick(cases: dict, sel, several: bool = False) -> dict | None:
    if isinstance(sel, str):
        return cases.get(sel)
    if isinstance(sel, list):
        return next((cases[k] for k in sel if k in cases), None)
    prefix, how = sel
    keys = [k for k in cases if k.startswith(prefix) and k[len(prefix):].isdigit()]
    if not keys or (several and len(keys) < 2):
        return None
    k = (max if how == "max" else min)(keys, key=lambda k: int(k[len(prefix):]))
    return cases[k]


def _agree(r: dict) -> str:
    a = r.get("agreement")
    if not a:
        return ""
    if "identical" in a:
        return "identical" if a["identical"] else "**different answers**"
    if "pre_mspe" in a:
        return f"pre-MSPE {a['wsa_pre_mspe']:.3f} vs {a['pre_mspe']:.3f}"
    s = f"{a['value']:.1g}"
    if "se_value" in a:
        s += f" (SE {a['se_value']:.1g})"
    return s


def _peer_text(p: dict, with_mem: bool) -> str:
    label = PEER_LABEL.get(p["contender"], p["contender"])
    if p["status"] == "ok":
        t = secs(p["wall_s"]) + (" extrapolated" if p.get("extrapolated") else "")
        return f"{label} {t}" + (f", {mem(p)}" if with_mem else "")
    if p["status"] == "timeout":
        return f"{label} stopped at {p['cap_s']:.0f} s"
    if p["status"] == "not run":
        return f"{label} not run"
    return f"{label} **could not run** ({p['status']})"


def row_md(spec: dict, doc: dict | None) -> str | None:
    task = spec["task"]
    if doc is None:
        return f"| {task} | results file `{spec['file']}.json` missing | | | |"
    cases = {c["case"]: c for c in doc["cases"]}
    case = _pick(cases, spec["case"], spec.get("several", False))
    if case is None:
        return None  # this case is not run in this mode
    rows = {r["contender"]: r for r in case["rows"]}
    if spec.get("kind") == "scaling":
        ok = [r for r in case["rows"] if r["status"] == "ok"]
        if not ok:
            return f"| {task} | **could not run** | | | |"
        parts = [f"{r['units']:,} units {secs(r['wall_s'])}, {mem(r)}" for r in ok]
        per = ", ".join(f"{r['wall_s'] / r['units'] * 1e6:.2f} s" for r in ok)
        gb = ", ".join(f"{r['gb_per_million']:.2f} GB" for r in ok if "gb_per_million" in r)
        return (f"| {task} (1,000 draws) | {'; '.join(parts)} | no peer at these sizes | | "
                f"per million units: {per}; peak {gb} |")
    data = spec["data"](case) if spec["data"] else ""
    ours = [rows[o] for o in spec["ours"] if o in rows]
    if not ours:
        return None
    lead = ours[0]
    if lead["status"] != "ok":
        return f"| {task} ({data}) | wsa_eval **could not run** ({lead['status']}) | | | |"
    ours_txt = secs(lead["wall_s"]) + (f", {mem(lead)}" if spec.get("mem") else "")
    if len(ours) > 1:
        ours_txt = f"{secs(lead['wall_s'])} with `n_jobs=2`; " + "; ".join(
            f"{secs(o['wall_s'])} serial" for o in ours[1:] if o["status"] == "ok")
    if spec.get("kind") == "adh" and "pre_mspe" in lead:
        ours_txt += f", pre-MSPE {lead['pre_mspe']:.3f}"
    if spec.get("kind") == "floor":
        one = rows.get("one_pass")
        if one is None or one["status"] != "ok":
            return f"| {task} ({data}) | {ours_txt} | one pass **not measured** | | |"
        it = lead.get("iterations")
        return (f"| {task} ({data}) | {ours_txt} | one data pass {secs(one['wall_s'])} | "
                f"{lead['wall_s'] / one['wall_s']:.1f} passes | "
                + (f"{it} Newton iterations |" if it else "|"))
    peers = [rows.get(p, {"contender": p, "status": "not run"}) for p in spec["peers"]]
    done = sorted((p for p in peers if p["status"] == "ok"), key=lambda p: p["wall_s"])
    rest = [p for p in peers if p not in done]
    if done:
        fast = done[0]
        peer_txt = _peer_text(fast, spec.get("mem", False))
        others = [_peer_text(p, False) for p in done[1:] + rest]
        ratio = f"{fast['wall_s'] / lead['wall_s']:.1f}x"
        if fast["wall_s"] / lead["wall_s"] >= 10:
            ratio = f"{fast['wall_s'] / lead['wall_s']:.0f}x"
    else:
        fast = None
        peer_txt = "; ".join(_peer_text(p, False) for p in rest) or "no peer"
        others = []
        capped = [p for p in rest if p["status"] == "timeout"]
        ratio = (f"> {min(p['cap_s'] for p in capped) / lead['wall_s']:.0f}x" if capped
                 else "n/a")
    if others:
        peer_txt += " (" + "; ".join(others) + ")"
    agree = _agree(fast) if fast else ""
    return f"| {task} ({data}) | {ours_txt} | {peer_txt} | {ratio} | {agree} |"


def build(mode: str) -> str:
    folder = HERE / "results" / mode
    docs = {}
    for f in sorted(folder.glob("*.json")):
        d = json.loads(f.read_text())
        if "benchmark" in d:
            docs[d["benchmark"]] = d
    if not docs:
        raise SystemExit(f"no results files in {folder}: run `make bench` first")
    lines = ["| task (data) | wsa_eval | fastest peer (others) | ratio | agreement |",
             "|---|---|---|---:|---|"]
    for spec in ROWS:
        line = row_md(spec, docs.get(spec["file"]))
        if line:
            lines.append(line)
    starts = sorted(d["started"] for d in docs.values())
    ends = sorted(d["finished"] for d in docs.values())
    m = next(iter(docs.values()))["machine"]
    loads = ", ".join(f"{d['loadavg_start']}" for d in docs.values())
    head = (f"Generated by `benchmarks/make_table.py` from `benchmarks/results/{mode}/*.json` "
            f"({mode} mode; runs {starts[0][:16].replace('T', ' ')} to "
            f"{ends[-1][:16].replace('T', ' ')} UTC; {m['cpus']} cores, {m['memory']}, "
            f"Python {m['python']}; 1-minute load averages at the start of each script: "
            f"{loads}). Wall time of the estimation call, each contender in a fresh process; "
            "memory = peak resident memory of that process and its workers. Ratio = fastest "
            "peer's time / wsa_eval's. Agreement = largest absolute difference of the "
            "estimates from wsa_eval's (per results file).")
    bad = [f"{d['benchmark']}: {r['contender']} ({r['status']})" for d in docs.values()
           for c in d["cases"] for r in c["rows"] if r["status"] in ("failed", "unavailable")]
    tail = ("\n\n**Contenders that could not run:** " + "; ".join(sorted(set(bad)))
            if bad else "")
    return head + "\n\n" + "\n".join(lines) + tail + "\n"


def splice(text: str, table: str) -> str:
    if START not in text or END not in text:
        raise SystemExit(f"README.md has no {START} ... {END} markers")
    a, rest = text.split(START, 1)
    _, b = rest.split(END, 1)
    return f"{a}{START}\n{table}{END}{b}"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", choices=["full", "quick"], default="full")
    ap.add_argument("--check", action="store_true",
                    help="compare README.md with the results files; write nothing")
    a = ap.parse_args()
    table = build(a.mode)
    if a.check:
        same = splice(README.read_text(), table) == README.read_text()
        print("README benchmark table matches the results files" if same else
              "README benchmark table DIFFERS from the results files: run "
              "`python3 benchmarks/make_table.py`")
        return 0 if same else 1
    out = HERE / "results" / a.mode / "TABLE.md"
    out.write_text(table)
    print(f"wrote {out.relative_to(HERE.parent)}")
    if a.mode == "full":
        README.write_text(splice(README.read_text(), table))
        print("updated the benchmark table in README.md")
    print("\n" + table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
