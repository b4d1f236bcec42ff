"""Tests for survival.cohort.proven_reoffending: simulation with known answers, a brute-force
pandas cross-check, chunking equivalence, incomplete follow-up, and every bad-input path."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from wsa_eval.errors import ColumnError, DataFormatError, DataWarning, SpecificationError
from wsa_eval.survival.cohort import proven_reoffending

START = pd.Timestamp("2019-01-01")


def simulate(n=1500, rate=0.3, seed=0):
    """Index events in 2019 and offences with known dates. Each person in the reoffending
    group has 1-3 offences committed on days 1..365 and proven within 0..150 days (all count);
    everyone may also have offences that must NOT count (before the index date, on the index
    day, after day 365, or proven after the waiting period)."""
    rng = np.random.default_rng(seed)
    idx = pd.DataFrame({
        "person_id": rng.permutation(np.arange(n) * 5 + 11),
        "index_date": START + pd.to_timedelta(rng.integers(0, 365, n), "D"),
        "area": rng.integers(0, 3, n),
    })
    truth = rng.random(n) < rate
    rows, n_true, first_true = [], np.zeros(n, int), np.full(n, np.nan)
    for i in range(n):
        pid, t0 = idx.person_id[i], idx.index_date[i]
        if truth[i]:
            k = rng.integers(1, 4)
            days = rng.integers(1, 366, k)
            for d in days:
                lag = int(rng.integers(0, 151))
                rows.append((pid, t0 + pd.Timedelta(days=int(d)),
                             t0 + pd.Timedelta(days=int(d) + lag)))
            n_true[i] = k
            first_true[i] = days.min()
        noise = rng.integers(0, 5)
        if noise == 1:  # committed before the index date
            rows.append((pid, t0 - pd.Timedelta(days=30), t0 + pd.Timedelta(days=10)))
        elif noise == 2:  # committed on the index day
            rows.append((pid, t0, t0 + pd.Timedelta(days=20)))
        elif noise == 3:  # committed after the follow-up year
            rows.append((pid, t0 + pd.Timedelta(days=366), t0 + pd.Timedelta(days=400)))
        elif noise == 4:  # committed in the year but proven after the waiting period
            rows.append((pid, t0 + pd.Timedelta(days=300),
                         t0 + pd.Timedelta(days=365 + 183 + 1)))
    off = pd.DataFrame(rows, columns=["person_id", "offence_date", "proven_date"])
    off = off.sample(frac=1.0, random_state=1).reset_index(drop=True)
    return idx, off, truth, n_true, first_true


def brute_force(idx, off, F=365, W=183):
    m = off.merge(idx, on="person_id")
    d = (m["offence_date"] - m["index_date"]).dt.days
    p = (m["proven_date"] - m["index_date"]).dt.days
    m = m[(d >= 1) & (d <= F) & (p <= F + W)].assign(d=d)
    g = m.groupby("person_id")["d"].agg(["size", "min"])
    return g


def test_simulated_cohort_recovers_known_rate_and_counts():
    idx, off, truth, n_true, first_true = simulate()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # complete follow-up, nothing to drop: no warnings
        res = proven_reoffending(idx, off, data_end="2021-12-31")
    per = res.persons.set_index("person_id").loc[idx.person_id]
    # known answer (by construction of the simulation), exact
    np.testing.assert_array_equal(per["reoffended"].to_numpy(int), truth.astype(int))
    np.testing.assert_array_equal(per["n_reoffences"].to_numpy(int), n_true)
    np.testing.assert_array_equal(per["days_to_first"].to_numpy(), first_true)
    assert res.measure("proven_reoffending_rate") == pytest.approx(truth.mean(), abs=1e-12)
    assert abs(res.measure("proven_reoffending_rate") - 0.3) < 0.04  # sampling tolerance
    assert res.measure("reoffences_per_offender") == pytest.approx(n_true.mean())
    assert res.measure("reoffences_per_reoffender") == pytest.approx(n_true[truth].mean())
    # event coding for survival
    assert (per["event"] == truth).all()
    np.testing.assert_array_equal(per["time"], np.where(truth, first_true, 365))
    assert (per["n_censored"] == 1 - per["event"]).all()
    assert "censored" not in per.columns
    assert per["follow_up_complete"].all()
    assert res.dropped.shape[0] == 0
    assert "area" in res.persons.columns  # index columns are carried


def test_matches_brute_force_merge_with_other_windows():
    idx, off, *_ = simulate(n=400, seed=5)
    for F, W in ((365, 183), (180, 90), (730, 0)):
        res = proven_reoffending(idx, off, data_end="2023-01-01", follow_up_days=F,
                                 waiting_days=W)
        bf = brute_force(idx, off, F, W)
        per = res.persons.set_index("person_id")
        exp_n = bf["size"].reindex(per.index, fill_value=0)
        np.testing.assert_array_equal(per["n_reoffences"].to_numpy(int), exp_n.to_numpy())
        np.testing.assert_array_equal(per["days_to_first"].to_numpy(),
                                      bf["min"].reindex(per.index).to_numpy(float))


def test_chunking_and_sources_agree(tmp_path):
    idx, off, *_ = simulate(n=300, seed=2)
    a = proven_reoffending(idx, off, data_end="2021-12-31").persons
    b = proven_reoffending(idx, off, data_end="2021-12-31", chunksize=37).persons
    chunks = (off.iloc[i:i + 50] for i in range(0, len(off), 50))
    c = proven_reoffending(idx, chunks, data_end="2021-12-31").persons
    path = tmp_path / "off.csv"
    off.to_csv(path, index=False)
    d = proven_reoffending(idx, path, data_end="2021-12-31", chunksize=64).persons
    for other in (b, c, d):
        pd.testing.assert_frame_equal(a, other)


def test_day_numbers_and_text_ids():
    idx = pd.DataFrame({"pid": ["a", "b", "c"], "t0": [100, 100, 200]})
    off = pd.DataFrame({"pid": ["a", "a", "b", "c", "c"],
                        "od": [150, 101, 466, 200, 260],
                        "pv": [160, 500, 470, 210, 300]})
    res = proven_reoffending(idx, off, person="pid", index_date="t0", offence_date="od",
                             proven_date="pv", data_end=1000)
    per = res.persons.set_index("pid")
    # a: day 50 (counted) and day 1 proven on day 400 (<= 365 + 183: counted) -> 2, first 1
    # b: committed day 366 -> not counted; c: day 0 (index day) not counted, day 60 counted
    assert per["n_reoffences"].tolist() == [2, 0, 1]
    assert per["days_to_first"].tolist()[0] == 1 and np.isnan(per["days_to_first"]["b"])
    assert per.loc["c", "days_to_first"] == 60
    inc = proven_reoffending(idx, off, person="pid", index_date="t0", offence_date="od",
                             proven_date="pv", data_end=1000, include_index_day=True)
    assert inc.persons.set_index("pid").loc["c", "days_to_first"] == 0


def test_incomplete_follow_up_is_censored_and_excluded_from_rates():
    idx = pd.DataFrame({"person_id": [1, 2, 3],
                        "index_date": pd.to_datetime(["2020-01-01", "2021-01-01",
                                                      "2021-06-01"])})
    off = pd.DataFrame({"person_id": [1, 2, 3],
                        "offence_date": pd.to_datetime(["2020-03-01", "2021-02-01",
                                                        "2021-07-01"]),
                        "proven_date": pd.to_datetime(["2020-04-01", "2021-03-01",
                                                       "2021-08-01"])})
    end = pd.Timestamp("2021-09-30")
    with pytest.warns(DataWarning, match="incomplete"):
        res = proven_reoffending(idx, off, data_end=end)
    per = res.persons.set_index("person_id")
    assert per["follow_up_complete"].tolist() == [True, False, False]
    # person 2: 637 - 183 = ... days observed = (end - index) - 183
    c2 = (end - pd.Timestamp("2021-01-01")).days - 183
    assert per.loc[2, "follow_up_days_observed"] == c2
    assert per.loc[2, "event"] == 1 and per.loc[2, "time"] == 31  # Feb 1 is day 31 <= c2
    # person 3: only 121 days to data_end < 183 waiting days: censored at day 0, no event
    assert per.loc[3, "follow_up_days_observed"] == 0 and per.loc[3, "event"] == 0
    assert pd.isna(per.loc[2, "reoffended"]) and pd.isna(per.loc[3, "n_reoffences"])
    assert res.measure("cohort_size_complete") == 1
    assert res.measure("proven_reoffending_rate") == 1.0


def make_bad():
    idx = pd.DataFrame({"person_id": [1, 2, 3, 4, 5, 2, np.nan],
                        "index_date": pd.to_datetime(["2019-01-01", "2019-02-01", None,
                                                      "2030-01-01", "2019-03-01",
                                                      "2019-05-01", "2019-01-01"])})
    off = pd.DataFrame({
        "person_id": [1, 1, 2, 9, 3, 4, 5, 5, 1],
        "offence_date": pd.to_datetime(["2019-02-01", "2019-03-01", "2019-03-01",
                                        "2019-03-01", "2019-04-01", "2030-02-01", None,
                                        "2019-04-01", "2019-05-01"]),
        "proven_date": pd.to_datetime(["2019-03-01", "2019-02-01", "2019-04-01",
                                       "2019-04-01", "2019-05-01", "2030-03-01",
                                       "2019-05-01", None, "2019-06-01"]),
    })
    return idx, off


def test_bad_rows_dropped_and_reported():
    idx, off = make_bad()
    ib, ob = idx.copy(), off.copy()
    with pytest.warns(DataWarning, match="Dropped impossible records"):
        res = proven_reoffending(idx, off, data_end="2021-12-31")
    pd.testing.assert_frame_equal(idx, ib)
    pd.testing.assert_frame_equal(off, ob)
    d = res.dropped
    reasons = dict(zip(zip(d["table"], d["row"]), d["reason"]))
    assert "missing person id" in reasons[("index_events", 6)]
    assert "missing or unreadable index date" in reasons[("index_events", 2)]
    assert "after data_end" in reasons[("index_events", 3)]
    assert "repeat a person" in reasons[("index_events", 5)]
    assert "proven before" in reasons[("offences", 1)]
    assert "no index event" in reasons[("offences", 3)]
    assert "index event was dropped" in reasons[("offences", 4)]
    assert "index event was dropped" in reasons[("offences", 5)]
    assert "missing or unreadable offence date" in reasons[("offences", 6)]
    assert "missing or unreadable proven date" in reasons[("offences", 7)]
    per = res.persons.set_index("person_id")
    assert sorted(per.index) == [1, 2, 5]
    assert per.loc[1, "n_reoffences"] == 2  # rows 0 and 8; row 1 dropped
    assert per.loc[2, "days_to_first"] == 28  # earliest index event (Feb 1) kept
    assert "dropped" in res.interpret()


@pytest.mark.parametrize("fix", ["idx_missing", "idx_after", "dup", "unknown", "proven_before",
                                 "missing_offence"])
def test_errors_raise(fix):
    idx = pd.DataFrame({"person_id": [1, 2],
                        "index_date": pd.to_datetime(["2019-01-01", "2019-02-01"])})
    off = pd.DataFrame({"person_id": [1, 2],
                        "offence_date": pd.to_datetime(["2019-02-01", "2019-03-01"]),
                        "proven_date": pd.to_datetime(["2019-03-01", "2019-04-01"])})
    if fix == "idx_missing":
        idx.loc[1, "index_date"] = pd.NaT
    elif fix == "idx_after":
        idx.loc[1, "index_date"] = pd.Timestamp("2030-01-01")
    elif fix == "dup":
        idx.loc[1, "person_id"] = 1
    elif fix == "unknown":
        off.loc[1, "person_id"] = 99
    elif fix == "proven_before":
        off.loc[1, "proven_date"] = pd.Timestamp("2019-01-01")
    else:
        off.loc[1, "offence_date"] = pd.NaT
    with pytest.raises(DataFormatError, match="row"):
        proven_reoffending(idx, off, data_end="2021-12-31", errors="raise")


def test_bad_arguments():
    idx, off, *_ = simulate(n=20)
    with pytest.raises(ColumnError):
        proven_reoffending(idx, off, person="nope", data_end="2021-01-01")
    with pytest.raises(ColumnError):
        proven_reoffending(idx, off.rename(columns={"proven_date": "x"}), data_end="2021-01-01")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, off, data_end="2021-01-01", errors="ignore")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, off, data_end="2021-01-01", follow_up_days=0)
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, off, data_end="2021-01-01", waiting_days=-1)
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, off, data_end="not a date")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx.assign(event=1), off, data_end="2021-01-01")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, 42, data_end="2021-01-01")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx, [off, "x"], data_end="2021-01-01")
    day_off = off.assign(offence_date=1, proven_date=2)
    with pytest.raises(SpecificationError, match="both"):
        proven_reoffending(idx, day_off, data_end="2021-01-01")
    with pytest.raises(SpecificationError):
        proven_reoffending(idx.assign(index_date=5), off.assign(offence_date=6, proven_date=7),
                           data_end="2021-01-01")
    with pytest.raises(DataFormatError, match="No usable"):
        proven_reoffending(idx.assign(index_date=pd.Timestamp("2030-01-01")), off,
                           data_end="2021-01-01")
    with pytest.raises(SpecificationError):
        proven_reoffending(pd.DataFrame(), off, data_end="2021-01-01")


def test_csv_missing_columns(tmp_path):
    idx, off, *_ = simulate(n=10)
    p = tmp_path / "o.csv"
    off.rename(columns={"proven_date": "conviction"}).to_csv(p, index=False)
    with pytest.raises(DataFormatError, match="conviction"):
        proven_reoffending(idx, p, data_end="2021-01-01")


def test_empty_offences_warns_and_all_chunks_missing_dates():
    idx, off, *_ = simulate(n=30)
    with pytest.warns(DataWarning, match="No offence rows"):
        res = proven_reoffending(idx, off.iloc[:0], data_end="2021-12-31")
    assert (res.persons["reoffended"] == 0).all()
    # a first chunk whose offence dates are all missing must not confuse the date-type check
    bad = off.copy()
    bad["offence_date"] = bad["offence_date"].astype(object)
    bad.loc[bad.index[:10], "offence_date"] = None
    chunks = [bad.iloc[:10].assign(offence_date=np.nan), bad.iloc[10:]]
    with pytest.warns(DataWarning, match="missing or unreadable offence date"):
        r2 = proven_reoffending(idx, iter(chunks), data_end="2021-12-31")
    assert (r2.dropped["reason"].str.contains("offence date")).sum() == 10


def test_window_boundaries_are_inclusive():
    # follow-up days 1..365 inclusive; proofs up to day 365 + 183 = 548 inclusive
    idx = pd.DataFrame({"person_id": [1, 2, 3, 4], "index_date": [0, 0, 0, 0]})
    off = pd.DataFrame({"person_id": [1, 2, 3, 4],
                        "offence_date": [365, 366, 300, 300],
                        "proven_date": [365, 366, 548, 549]})
    res = proven_reoffending(idx, off, data_end=548)
    per = res.persons.set_index("person_id")
    assert per["reoffended"].tolist() == [1, 0, 1, 0]
    assert per["follow_up_complete"].all()
    # one day less of data: everyone's follow-up is incomplete (censored at day 364)
    with pytest.warns(DataWarning, match="incomplete"):
        r2 = proven_reoffending(idx, off, data_end=547)
    assert (r2.persons["follow_up_days_observed"] == 364).all()
    assert r2.persons["event"].sum() == 0
