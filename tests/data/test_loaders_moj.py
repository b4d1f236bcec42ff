"""read_moj_outcomes on small files in each MoJ "Outcomes by offence" layout.

The fixtures in tests/data/files/ follow the column names and value spellings described in
/work/shared/data/women_custody_pfa/PROVENANCE.md ("Raw MoJ Outcomes by offence CSV schema").
Their women-18+ immediate-custody totals are set to the published panel values, so reading them
must give back exactly (tolerance 0):
* Dec 2022 file: GM 2014 = 446, GM 2020 = 186, Gwent 2014 = 90 (edition A, data README);
* Dec 2024 file: GM 2014 = 432, GM 2017 = 206, Dyfed-Powys 2014 = 18 (edition B);
* 2009-2019 file: Avon and Somerset 2009 = 165 (117 / 11 / 37 by band; community 592,
  suspended 158: women_custody_pfa_2009_fragments.csv), GM 2018 = 217 and 2019 = 251 (PRT
  factsheet from that tool, published_claims_vs_panel.csv).
Rows for men, children, other outcomes, "Not known" and City of London are distractors.
"""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd
import pytest

from wsa_eval.data import read_moj_outcomes
from wsa_eval.datasets import load_pfa_2009_fragments, load_pfa_custody
from wsa_eval.errors import DataFormatError, DataWarning, SpecificationError

FILES = Path(__file__).parent / "files"
DEC2022 = FILES / "moj_dec2022_sample.csv"
DEC2024 = FILES / "moj_dec2024_sample.csv"
OLD = FILES / "moj_2009_2019_sample.csv"


def _get(df, pfa, year, outcome="Immediate custody", **extra):
    m = (df.pfa == pfa) & (df.year == year) & (df.outcome == outcome)
    for k, v in extra.items():
        m &= df[k] == v
    assert m.sum() == 1, (pfa, year, outcome, extra)
    return int(df.loc[m, "count"].iloc[0])


def _read(*args, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DataWarning)
        return read_moj_outcomes(*args, **kw)


def test_dec2022_layout_matches_edition_a():
    with pytest.warns(DataWarning, match="Not known"):
        df = read_moj_outcomes(DEC2022)
    assert df.attrs["layout"] == "dec2022"
    assert list(df.columns) == ["pfa", "year", "outcome", "count"]
    assert df["count"].dtype == "int64" and df["year"].dtype == "int64"
    a = load_pfa_custody("A")
    for pfa, year in [("Greater Manchester", 2014), ("Greater Manchester", 2020), ("Gwent", 2014)]:
        expected = int(a.loc[(a.pfa == pfa) & (a.year == year), "immediate_custody"].iloc[0])
        assert _get(df, pfa, year) == expected
    assert _get(df, "Greater Manchester", 2014) == 446
    # City of London stays separate; Not known is dropped
    assert _get(df, "City of London", 2014) == 3
    assert "Not known" not in set(df.pfa)
    # zero filling: Cumbria 2020 has rows (men, community) but no women sentenced to custody
    assert _get(df, "Cumbria", 2020) == 0
    # no invented combinations: Cumbria 2014 is not in the file at all
    assert not ((df.pfa == "Cumbria") & (df.year == 2014)).any()


def test_dec2022_bands_and_other_outcomes():
    df = _read(DEC2022, by=("pfa", "year", "sentence_length"))
    gm = df[(df.pfa == "Greater Manchester") & (df.year == 2014)]
    assert gm["count"].sum() == 446
    lengths = dict(zip(gm.sentence_length, gm["count"]))
    # "Custody - " removed, "Over" would read "More than"; prefixes gone
    assert lengths["More than 3 months and under 6 months"] == 120
    assert lengths["Up to and including 1 month"] == 150
    assert lengths["Life"] == 1
    assert not any(":" in str(k) for k in lengths)

    outs = _read(
        DEC2022, outcome=["Immediate custody", "Community sentence", "Suspended sentence"]
    )
    # edition A: community 1006, suspended 530 for GM 2014
    assert _get(outs, "Greater Manchester", 2014, "Community sentence") == 1006
    assert _get(outs, "Greater Manchester", 2014, "Suspended sentence") == 530
    assert _get(outs, "Gwent", 2014, "Suspended sentence") == 0  # filled


def test_dec2024_layout_matches_edition_b():
    df = _read(DEC2024)
    assert df.attrs["layout"] == "dec2024"
    b = load_pfa_custody("B")
    for pfa, year in [
        ("Greater Manchester", 2014),
        ("Greater Manchester", 2017),
        ("Dyfed-Powys", 2014),
    ]:
        expected = int(b.loc[(b.pfa == pfa) & (b.year == year), "immediate_custody"].iloc[0])
        assert _get(df, pfa, year) == expected
    # "Metropolitan" -> "Metropolitan Police"; "Dyfed Powys" -> "Dyfed-Powys"
    assert _get(df, "Metropolitan Police", 2014) == 25
    assert {"Metropolitan", "Dyfed Powys"}.isdisjoint(set(df.pfa))


def test_dec2024_extra_fields():
    df = _read(DEC2024, by=("pfa", "year", "offence_group", "offence_type"))
    gm = df[(df.pfa == "Greater Manchester") & (df.year == 2014)]
    assert gm["count"].sum() == 432
    assert (
        _get(
            df,
            "Greater Manchester",
            2014,
            offence_group="Theft offences",
            offence_type="Triable either way",
        )
        == 232
    )
    lengths = _read(DEC2024, by=("pfa", "year", "sentence_length"))
    gm = lengths[(lengths.pfa == "Greater Manchester") & (lengths.year == 2014)]
    names = set(gm.sentence_length)
    assert "More than 1 month and up to and including 2 months" in names  # "Over" -> "More than"
    assert "Life" in names
    by_offence = _read(DEC2024, by=("pfa", "offence"))
    assert "46 Theft from Shops" in set(by_offence.offence)  # no colon: left as is


def test_2009_2019_layout_matches_fragments():
    df = _read(
        OLD,
        outcome=["Immediate custody", "Community sentence", "Suspended sentence"],
    )
    assert df.attrs["layout"] == "2009-2019"
    frag = load_pfa_2009_fragments().set_index("pfa").loc["Avon and Somerset"]
    assert _get(df, "Avon and Somerset", 2009) == frag.immediate_custody == 165
    assert _get(df, "Avon and Somerset", 2009, "Community sentence") == frag.community_sentence
    assert _get(df, "Avon and Somerset", 2009, "Suspended sentence") == frag.suspended_sentence
    assert _get(df, "Greater Manchester", 2018) == 217
    assert _get(df, "Greater Manchester", 2019) == 251
    # Sex is "02: Female" here but "01: Female" in the Dec 2022 file: matched on text
    men = _read(OLD, sex="Male")
    assert _get(men, "Avon and Somerset", 2009) == 1500


def test_all_outcomes_and_all_ages():
    df = _read(DEC2022, outcome=None, age_group=None, sex=None, exclude_pfa=())
    gm = df[(df.pfa == "Greater Manchester") & (df.year == 2014)].set_index("outcome")["count"]
    # labels: prefix and "Total" removed, sentence case
    assert set(gm.index) == {"Immediate custody", "Community sentence", "Suspended sentence"}
    assert gm["Immediate custody"] == 446 + 5 + 900
    assert "Not known" in set(df.pfa)
    kids = _read(DEC2022, age_group="Children")
    assert _get(kids, "Greater Manchester", 2014) == 5
    adults_only = _read(DEC2022, age_group="Adults")
    assert _get(adults_only, "Greater Manchester", 2014) == 150 + 120 + 30 + 88


def test_same_answer_for_path_buffer_frame_and_chunks():
    ref = _read(DEC2022)
    text = DEC2022.read_text()
    for src in (
        str(DEC2022),
        io.StringIO(text),
        io.BytesIO(text.encode()),
        pd.read_csv(DEC2022),
    ):
        pd.testing.assert_frame_equal(_read(src), ref)
    pd.testing.assert_frame_equal(_read(DEC2022, chunksize=3), ref)


def test_tolerates_case_whitespace_prefix_and_bom_variants():
    raw = pd.read_csv(DEC2024)
    ref = _read(raw)
    v = raw.copy()
    v.columns = [f"  {c.upper()} " for c in v.columns]  # "AGE GROUP", padded
    v[v.columns[1]] = v[v.columns[1]].str.replace("02: Female", "7:Female  ")  # other code
    v[v.columns[2]] = v[v.columns[2]].str.replace("03: Adults", "03 :  ADULTS")
    v[v.columns[7]] = v[v.columns[7]].str.replace("01: Immediate Custody", "Immediate custody")
    v[v.columns[3]] = v[v.columns[3]].str.replace("Greater Manchester", " greater manchester ")
    pd.testing.assert_frame_equal(_read(v), ref)
    # header with a byte-order mark and the "Age group" spelling of the Dec 2022 pivots
    text = "\ufeff" + DEC2024.read_text().replace("Age Group", "Age group", 1)
    pd.testing.assert_frame_equal(_read(io.BytesIO(text.encode("utf-8"))), ref)


def test_exclude_pfa_spellings():
    ref = _read(DEC2022)
    for spelling in ("City of London", "London, City of", "CITY OF LONDON POLICE"):
        out = _read(DEC2022, exclude_pfa=("Not known", spelling))
        assert "City of London" not in set(out.pfa)
        assert len(out) == len(ref) - 1
    out = _read(DEC2024, exclude_pfa="Metropolitan Police")  # a string, canonical spelling
    assert "Metropolitan Police" not in set(out.pfa)
    assert "Not known" in set(out.pfa)


def test_national_and_grand_totals():
    by_year = _read(DEC2022, by=("year",))
    assert list(by_year.columns) == ["year", "outcome", "count"]
    # 2014: GM 446 + Gwent 90 + City of London 3 (Not known dropped)
    assert dict(zip(by_year.year, by_year["count"])) == {2014: 539, 2020: 186}
    total = _read(DEC2022, by=(), outcome=["Immediate custody", "Suspended sentence"], sex=None)
    assert list(total.columns) == ["outcome", "count"]
    # women 539 + 186, men 18+: GM 900 and Cumbria 7
    assert dict(zip(total.outcome, total["count"])) == {
        "Immediate custody": 539 + 186 + 900 + 7,
        "Suspended sentence": 530,
    }


def test_input_frame_not_modified():
    raw = pd.read_csv(DEC2022)
    before = raw.copy()
    _read(raw)
    pd.testing.assert_frame_equal(raw, before)


def test_unknown_layout_names_expected_and_found_columns():
    bad = io.StringIO("Area,Yr,Gender,Number\nKent,2019,F,3\n")
    with pytest.raises(DataFormatError) as exc:
        read_moj_outcomes(bad)
    msg = str(exc.value)
    assert "Columns found: 'Area', 'Yr', 'Gender', 'Number'" in msg
    for layout in ("dec2024", "dec2022", "2009-2019"):
        assert layout in msg
    assert "Sentence Outcome" in msg and "Year of Appearance" in msg and "Count" in msg


def test_explicit_layout_mismatch_and_missing_fields():
    with pytest.raises(DataFormatError, match="'2009-2019'.*missing: Year of Appearance"):
        read_moj_outcomes(DEC2022, layout="2009-2019")
    with pytest.raises(DataFormatError, match="by=\\['offence'\\]"):
        read_moj_outcomes(DEC2022, by=("pfa", "year", "offence"))
    with pytest.raises(SpecificationError, match="layout must be"):
        read_moj_outcomes(DEC2022, layout="dec2023")
    # the right explicit layout works
    assert len(_read(DEC2022, layout="dec2022")) == len(_read(DEC2022))


def test_bad_values_and_arguments():
    with pytest.raises(SpecificationError, match="'Femal' not found.*'female', 'male'"):
        read_moj_outcomes(DEC2022, sex="Femal")
    with pytest.raises(SpecificationError, match="Outcome 'Prison' not found"):
        read_moj_outcomes(DEC2022, outcome="Prison")
    with pytest.raises(SpecificationError, match="by must list"):
        read_moj_outcomes(DEC2022, by=("pfa", "region"))
    with pytest.raises(SpecificationError, match="chunksize"):
        read_moj_outcomes(DEC2022, chunksize=0)
    text = DEC2022.read_text().replace(",150\n", ",lots\n")
    with pytest.raises(DataFormatError, match="non-numeric values: 'lots'"):
        read_moj_outcomes(io.StringIO(text))
    text = DEC2022.read_text().replace("Gwent,", "Gwentt,")
    with pytest.raises(DataFormatError, match="'Gwentt' \\(did you mean 'Gwent'"):
        read_moj_outcomes(io.StringIO(text))
    text = DEC2022.read_text().replace("Gwent,2014", "Gwent,twenty")
    with pytest.raises(DataFormatError, match="should hold years"):
        read_moj_outcomes(io.StringIO(text))
    with pytest.raises(DataFormatError, match="not found"):
        read_moj_outcomes(FILES / "no_such_file.csv")
    with pytest.raises(DataFormatError, match="empty"):
        read_moj_outcomes(io.StringIO(""))


def test_counts_with_thousands_separators():
    text = DEC2022.read_text().replace(",900\n", ',"1,900"\n')
    df = _read(io.StringIO(text), sex="Male")
    assert _get(df, "Greater Manchester", 2014) == 1900


def test_partial_18_plus_warns():
    text = DEC2022.read_text().replace("02: Young adults", "03: Adults")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        df = read_moj_outcomes(io.StringIO(text))
    messages = [str(w.message) for w in caught if issubclass(w.category, DataWarning)]
    assert any("Age group(s) 'Young adults' not found" in m for m in messages)
    assert _get(df, "Greater Manchester", 2014) == 446


def test_list_of_files_and_zip(tmp_path):
    # the December 2024 product comes as two files (2010-2016 and 2017-2024)
    raw = pd.read_csv(DEC2024)
    early, late = tmp_path / "sentence_outcomes_2010_2016.csv", tmp_path / "late.csv"
    raw[raw.Year <= 2016].to_csv(early, index=False)
    raw[raw.Year > 2016].to_csv(late, index=False)
    both = _read([early, late])
    pd.testing.assert_frame_equal(both, _read(DEC2024), check_like=False)
    assert both.attrs["layout"] == "dec2024,dec2024"
    # 'Young adults' occurs only in the early file: no warning, checks are across all files
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        read_moj_outcomes([early, late])
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "Not known" in messages[0]
    with pytest.raises(SpecificationError, match="empty list"):
        read_moj_outcomes([])
    # a zipped CSV, as MoJ publishes the December 2022 pivots
    zipped = tmp_path / "obo_sent_pivot_sample.zip"
    pd.read_csv(DEC2022).to_csv(zipped, index=False, compression="zip")
    pd.testing.assert_frame_equal(_read(zipped), _read(DEC2022))
