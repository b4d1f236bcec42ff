"""A synthetic linked-data set: people, their offences, and area populations.

:func:`simulate_linked_data` makes data shaped like a linked criminal-justice extract, at any
size from a few hundred people to tens of millions (1M-100M offence rows, written to Parquet
chunk by chunk in constant memory), so that anyone can try the engine without access to
real records. Nothing in it is real.

The model (all choices documented so tests can recover them):

* **People** (one row each, ``person_id`` 1..n): ``sex`` ("F" with probability
  ``share_female``), ``age`` (18-79) and ``age_band``, ``ethnicity`` (five groups),
  ``pfa`` (one of the 42 police force areas, weighted by size) and its ``region``,
  ``disposal`` at the index event (caution, fine, community order, suspended sentence,
  custody release), ``prior_band`` (number of earlier proven offences: "0", "1-2", "3-9",
  "10+"), ``programme`` (1 = referred to a diversion scheme, more often for women),
  ``index_year`` and ``index_date`` (uniform over ``index_start``..``index_end``).
* **Offences** (``person_id``, ``pfa``, ``offence_date``, ``proven_date``): earlier offences
  uniform over the five years before the index date (as many as ``prior_band`` says), and
  after it a Poisson process with rate ``base_rate * exp(x' beta)`` per year up to
  ``data_end``, so the time to the first offence after the index date is exponential with
  proportional hazards: log hazard ratios ``beta`` are female -0.4, programme
  ``log_hr_programme`` (-0.2), age per band -0.1, prior band +0.35 per band, custody release
  +0.3, caution -0.3. Each offence is proven ``1 + Gamma(2, 45)`` days later (mean 91 days,
  a long tail beyond the six-month waiting period).
* **Population** (``pfa``, ``year``, ``population``): a mid-year population for every area
  and year, proportional to the area's weight.

Randomness: ``random_state`` (a seed or Generator); each chunk of ``chunk_people`` people
draws from its own stream spawned from it, so the data depend on the seed and the chunk size
only (the seed used is returned).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from .._pfa import PFA_NAMES
from .._utils import resolve_random_state
from ..errors import SpecificationError

__all__ = ["simulate_linked_data", "LinkedData", "TRUE_LOG_HR"]

AGE_BANDS = ("18-20", "21-24", "25-29", "30-39", "40-49", "50+")
_AGE_CUTS = np.array([21, 25, 30, 40, 50])
ETHNICITY = ("Asian", "Black", "Mixed", "Other", "White")
_ETH_P = np.array([0.08, 0.07, 0.03, 0.02, 0.80])
DISPOSALS = ("caution", "community order", "custody release", "fine", "suspended sentence")
_DISP_P = np.array([0.25, 0.25, 0.15, 0.20, 0.15])
PRIOR_BANDS = ("0", "1-2", "3-9", "10+")
#: log hazard ratios of the first offence after the index date (see the module docstring)
TRUE_LOG_HR = {"female": -0.4, "programme": -0.2, "age_band": -0.1, "prior_band": 0.35,
               "custody release": 0.3, "caution": -0.3}
_EPOCH = np.datetime64("1970-01-01", "D")


@dataclass
class LinkedData:
    """What :func:`simulate_linked_data` made: frames (in memory) or Parquet paths."""

    people: Any  # DataFrame, or the Parquet path
    offences: Any  # DataFrame, or a glob of Parquet files
    population: Any  # DataFrame, or the Parquet path
    data_end: str
    n_people: int
    n_offences: int
    seed: Any


def _day(s: str) -> int:
    return int((np.datetime64(s, "D") - _EPOCH).astype(np.int64))


def _regions() -> tuple[np.ndarray, np.ndarray]:
    k = len(PFA_NAMES)
    rng = np.random.default_rng(20240101)  # fixed: the areas' sizes are part of the design
    weight = rng.lognormal(0.0, 0.7, k)
    region = np.array([f"R{(i % 9) + 1}" for i in range(k)])
    return weight / weight.sum(), region


def _people_chunk(rng: np.random.Generator, first_id: int, n: int, share_female: float,
                  lo: int, hi: int, pfa_p: np.ndarray, region: np.ndarray
                  ) -> dict[str, np.ndarray]:
    female = rng.uniform(size=n) < share_female
    age = np.clip(np.round(18 + rng.gamma(2.0, 8.0, n)), 18, 79).astype(np.int64)
    band = np.searchsorted(_AGE_CUTS, age, side="right")
    pfa = rng.choice(len(PFA_NAMES), size=n, p=pfa_p)
    disposal = rng.choice(len(DISPOSALS), size=n, p=_DISP_P)
    prior = rng.choice(4, size=n, p=[0.35, 0.30, 0.25, 0.10])
    programme = rng.uniform(size=n) < np.where(female, 0.25, 0.05)
    index_day = rng.integers(lo, hi + 1, n)
    return {"person_id": np.arange(first_id, first_id + n, dtype=np.int64), "female": female,
            "age": age, "band": band, "pfa": pfa, "region": region[pfa],
            "ethnicity": rng.choice(len(ETHNICITY), size=n, p=_ETH_P), "disposal": disposal,
            "prior": prior, "programme": programme, "index_day": index_day}


def _offences_chunk(rng: np.random.Generator, p: dict[str, np.ndarray], base_rate: float,
                    log_hr_programme: float, end: int, per_person: float | None
                    ) -> dict[str, np.ndarray]:
    b = TRUE_LOG_HR
    eta = (b["female"] * p["female"] + log_hr_programme * p["programme"]
           + b["age_band"] * p["band"] + b["prior_band"] * p["prior"]
           + b["custody release"] * (p["disposal"] == DISPOSALS.index("custody release"))
           + b["caution"] * (p["disposal"] == DISPOSALS.index("caution")))
    rate_day = base_rate * np.exp(eta) / 365.25
    span = (end - p["index_day"]).astype(float)
    n_after = rng.poisson(rate_day * span)
    base = np.array([0, 1, 3, 10])[p["prior"]]
    extra = np.array([0.0, 0.5, 2.0, 6.0])[p["prior"]]
    if per_person is not None:  # scale the earlier offences to reach the mean asked for
        need = per_person - float(np.mean(rate_day * span)) - float(base.mean())
        extra = extra * max(need, 0.0) / float(extra.mean())
    n_before = base + rng.poisson(extra)
    n_before = np.where(p["prior"] == 0, 0, n_before)
    who_a = np.repeat(np.arange(len(span)), n_after)
    who_b = np.repeat(np.arange(len(span)), n_before)
    after = p["index_day"][who_a] + np.ceil(rng.uniform(size=who_a.size) * span[who_a])
    before = p["index_day"][who_b] - np.ceil(rng.uniform(size=who_b.size) * 5 * 365)
    who = np.concatenate([who_b, who_a])
    od = np.concatenate([before, after]).astype(np.int64)
    pv = od + 1 + np.floor(rng.gamma(2.0, 45.0, od.size)).astype(np.int64)
    order = np.argsort(who, kind="stable")
    who, od, pv = who[order], od[order], pv[order]
    return {"person_id": p["person_id"][who], "pfa": p["pfa"][who], "od": od, "pv": pv}


def _people_frame(p: dict[str, np.ndarray]) -> pd.DataFrame:
    idx = p["index_day"]
    dates = (_EPOCH + idx.astype("timedelta64[D]")).astype("datetime64[s]")
    return pd.DataFrame({
        "person_id": p["person_id"],
        "sex": np.where(p["female"], "F", "M"),
        "age": p["age"],
        "age_band": np.array(AGE_BANDS)[p["band"]],
        "ethnicity": np.array(ETHNICITY)[p["ethnicity"]],
        "pfa": np.array(PFA_NAMES)[p["pfa"]],
        "region": p["region"],
        "disposal": np.array(DISPOSALS)[p["disposal"]],
        "prior_band": np.array(PRIOR_BANDS)[p["prior"]],
        "programme": p["programme"].astype(np.int64),
        "index_year": dates.astype("datetime64[Y]").astype(np.int64) + 1970,
        "index_date": dates,
    })


def _offence_frame(o: dict[str, np.ndarray]) -> pd.DataFrame:
    def as_date(d: np.ndarray) -> np.ndarray:
        return (_EPOCH + d.astype("timedelta64[D]")).astype("datetime64[s]")

    return pd.DataFrame({"person_id": o["person_id"], "pfa": np.array(PFA_NAMES)[o["pfa"]],
                         "offence_date": as_date(o["od"]), "proven_date": as_date(o["pv"])})


def _population(pfa_p: np.ndarray, years: range, scale: float) -> pd.DataFrame:
    rows = []
    for k, name in enumerate(PFA_NAMES):
        for i, y in enumerate(years):
            rows.append({"pfa": name, "year": y,
                         "population": int(round(scale * pfa_p[k] * (1 + 0.005 * i)))})
    return pd.DataFrame(rows)


def _write(frame: pd.DataFrame, path: str) -> None:
    """Write a frame to Parquet with DuckDB (dates as DATE)."""
    import duckdb

    con = duckdb.connect()
    con.register("frame", frame)
    cols = ", ".join(f'CAST("{c}" AS DATE) AS "{c}"' if c.endswith("_date") else f'"{c}"'
                     for c in frame.columns)
    lit = path.replace("'", "''")
    con.execute(f"COPY (SELECT {cols} FROM frame) TO '{lit}' (FORMAT parquet, "
                "ROW_GROUP_SIZE 1048576)")
    con.close()


def simulate_linked_data(
    n_people: int,
    *,
    out: str | os.PathLike | None = None,
    share_female: float = 0.15,
    base_rate: float = 0.6,
    log_hr_programme: float = TRUE_LOG_HR["programme"],
    index_start: str = "2016-01-01",
    index_end: str = "2020-06-30",
    data_end: str = "2021-06-30",
    offences_per_person: float | None = None,
    chunk_people: int = 1_000_000,
    random_state: int | np.random.Generator | None = None,
) -> LinkedData:
    """Synthetic people, offences and populations (see the module docstring).

    Parameters
    ----------
    n_people : int
        People in the cohort (each has one index event). About 3-10 offence rows per person
        result with the defaults (more for high prior bands).
    out : folder, optional
        Write ``people/part-*.parquet``, ``offences/part-*.parquet`` and
        ``population.parquet``
        there (chunk by chunk, constant memory) and return their paths; without it the
        frames are returned (for small sizes).
    share_female, base_rate, log_hr_programme : float
        Share of women; yearly rate of offending after the index date at the reference
        levels; log hazard ratio of the programme.
    index_start, index_end, data_end : str
        Range of index dates and the extract date.
    offences_per_person : float, optional
        Mean offence rows per person (earlier offences are scaled to reach it; default about
        5.5). ``n_people=10_000_000, offences_per_person=10`` gives about 100M rows.
    chunk_people : int
        People generated (and written) at a time.
    random_state : int, Generator or None
        Seed; the seed used is returned in ``seed``.
    """
    if not isinstance(n_people, (int, np.integer)) or n_people < 1:
        raise SpecificationError(f"n_people must be a positive whole number, not {n_people!r}.")
    if not 0 <= share_female <= 1:
        raise SpecificationError("share_female must be between 0 and 1.")
    rng, seed = resolve_random_state(random_state)
    lo, hi, end = _day(index_start), _day(index_end), _day(data_end)
    if not lo <= hi < end:
        raise SpecificationError("Need index_start <= index_end < data_end.")
    pfa_p, region = _regions()
    streams = np.random.SeedSequence(int(rng.integers(0, 2**63 - 1))).spawn(
        int(np.ceil(n_people / chunk_people)))
    years = range(int(index_start[:4]) - 5, int(data_end[:4]) + 1)
    population = _population(pfa_p, years, scale=max(n_people, 1) * 40.0)
    people_parts, off_parts, n_off = [], [], 0
    if out is not None:
        for sub in ("people", "offences"):
            os.makedirs(os.path.join(os.fspath(out), sub), exist_ok=True)
    for k, ss in enumerate(streams):
        first = k * chunk_people + 1
        n = min(chunk_people, n_people - k * chunk_people)
        g = np.random.default_rng(ss)
        p = _people_chunk(g, first, n, share_female, lo, hi, pfa_p, region)
        o = _offences_chunk(g, p, base_rate, log_hr_programme, end, offences_per_person)
        pf, of = _people_frame(p), _offence_frame(o)
        n_off += len(of)
        if out is None:
            people_parts.append(pf)
            off_parts.append(of)
            continue
        _write(pf, os.path.join(os.fspath(out), "people", f"part-{k:05d}.parquet"))
        _write(of, os.path.join(os.fspath(out), "offences", f"part-{k:05d}.parquet"))
    if out is None:
        return LinkedData(people=pd.concat(people_parts, ignore_index=True),
                          offences=pd.concat(off_parts, ignore_index=True),
                          population=population, data_end=data_end, n_people=n_people,
                          n_offences=n_off, seed=seed)
    pop_path = os.path.join(os.fspath(out), "population.parquet")
    _write(population, pop_path)
    return LinkedData(people=os.path.join(os.fspath(out), "people", "*.parquet"),
                      offences=os.path.join(os.fspath(out), "offences", "*.parquet"),
                      population=pop_path, data_end=data_end, n_people=n_people,
                      n_offences=n_off, seed=seed)

