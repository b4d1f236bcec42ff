"""TOML configuration: the template is valid, and every mistake names the key and section."""

from __future__ import annotations

import pytest

import wsa_eval.config as config_module
from wsa_eval.config import DESIGNS, SCHEMA, TEMPLATE, load_config, parse_config
from wsa_eval.errors import SpecificationError

DATA = {"path": "panel.csv", "unit": "pfa", "time": "year", "outcome": "custody"}
CLAIM = {"treated": "A", "start": 2014, "end": 2020, "claimed_change": -60}


def test_template_parses_and_validates(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(TEMPLATE)
    cfg = load_config(p)
    assert cfg.designs == ("claim",)
    assert cfg["claim"]["primary"] == "sdid" and cfg["claim"]["methods"] == ["sdid", "sc", "did"]
    assert cfg.path("data") == tmp_path / "panel.csv"  # relative to the config's folder
    assert cfg["study"]["threshold"] == 5


def test_template_mentions_every_design_and_key():
    for section, keys in SCHEMA.items():
        if section in ("sc", "did"):
            continue  # same keys as [sdid], described once
        assert f"[{section}]" in TEMPLATE
        for key in keys:
            if keys[key][4].startswith("old name of"):
                continue  # accepted for old configurations, not offered in new ones
            assert f"{key} =" in TEMPLATE, (section, key)
    assert set(DESIGNS) <= set(SCHEMA)


def test_defaults_and_overrides(tmp_path):
    p = tmp_path / "c.toml"
    p.write_text(TEMPLATE)
    cfg = load_config(p, overrides={"seed": 7, "reps": 11, "alpha": 0.1})
    assert (cfg["study"]["seed"], cfg["study"]["reps"], cfg["study"]["alpha"]) == (7, 11, 0.1)
    cfg = load_config(p, overrides={"seed": None})
    assert cfg["study"]["seed"] == 2024


def test_unknown_key_names_key_section_and_suggestion():
    with pytest.raises(SpecificationError) as e:
        parse_config({"data": {**DATA, "outcom": "x"}, "claim": CLAIM})
    msg = str(e.value)
    assert "Unknown key 'outcom' in section [data]" in msg and "Did you mean 'outcome'?" in msg


def test_missing_key_names_key_and_section():
    data = dict(DATA)
    del data["time"]
    with pytest.raises(SpecificationError, match=r"Section \[data\] is missing the key 'time'"):
        parse_config({"data": data, "claim": CLAIM})


def test_unknown_section():
    with pytest.raises(SpecificationError, match=r"Unknown section \[cliam\].*'claim'"):
        parse_config({"data": DATA, "cliam": CLAIM})


def test_wrong_type_and_choice():
    with pytest.raises(SpecificationError, match=r"\[claim\], key 'start' must be a period"):
        parse_config({"data": DATA, "claim": {**CLAIM, "start": [2014]}})
    with pytest.raises(SpecificationError, match=r"\[study\], key 'seed' must be a whole"):
        parse_config({"study": {"seed": "1"}, "data": DATA, "claim": CLAIM})
    with pytest.raises(SpecificationError, match=r"key 'scale' = 'logs' is not allowed.*'log'"):
        parse_config({"data": DATA, "claim": {**CLAIM, "scale": "logs"}})
    with pytest.raises(SpecificationError, match="'alpha' must be between 0 and 1"):
        parse_config({"study": {"alpha": 5}, "data": DATA, "claim": CLAIM})


def test_no_design_and_missing_data():
    with pytest.raises(SpecificationError, match="no design to run"):
        parse_config({"data": DATA})
    with pytest.raises(SpecificationError, match=r"\[claim\] needs a \[data\] section"):
        parse_config({"claim": CLAIM})
    # the reoffending design reads its own file and needs no [data]
    cfg = parse_config({"reoffending": {"path": "c.csv", "treatment": "t"}})
    assert cfg.designs == ("reoffending",) and cfg["reoffending"]["adjust"] == "match"


def test_design_not_available_is_rejected(monkeypatch):
    monkeypatch.setattr(config_module, "_available", lambda d: d != "staggered")
    with pytest.raises(SpecificationError, match=r"\[staggered\] is not available in this"):
        parse_config({"data": DATA, "staggered": {"first_treated": "g"}})


def test_bad_toml_and_missing_file(tmp_path):
    p = tmp_path / "bad.toml"
    p.write_text("[data]\npath = panel.csv\n")
    with pytest.raises(SpecificationError, match="not valid TOML"):
        load_config(p)
    with pytest.raises(SpecificationError, match="Configuration file not found"):
        load_config(tmp_path / "nope.toml")


def test_start_dates_only_with_area_designs():
    sd = {"path": "s.csv", "unit": "pfa", "start": "start_year"}
    with pytest.raises(SpecificationError, match=r"\[start_dates\] section is used only"):
        parse_config({"data": DATA, "start_dates": sd,
                      "staggered": {"first_treated": "g"}})
    assert "start_dates" in parse_config({"data": DATA, "start_dates": sd, "claim": CLAIM})


def test_outcome_is_count_and_text_periods():
    cfg = parse_config({"data": {**DATA, "outcome_is_count": False}, "claim": CLAIM})
    assert cfg["data"]["outcome_is_count"] is False
    assert parse_config({"data": DATA, "claim": CLAIM})["data"]["outcome_is_count"] is None
    with pytest.raises(SpecificationError, match="'outcome_is_count' must be true or false"):
        parse_config({"data": {**DATA, "outcome_is_count": "yes"}, "claim": CLAIM})
    cfg = parse_config({"data": DATA, "claim": {**CLAIM, "start": "2016/17", "end": "2020/21"}})
    assert cfg["claim"]["start"] == "2016/17"
    with pytest.raises(SpecificationError, match=r"key 'start' must be a period: a year such "
                                                 r"as 2014, or as the data spell it"):
        parse_config({"data": DATA, "claim": {**CLAIM, "start": True}})
    assert "outcome_is_count" in TEMPLATE and '"2015/16"' in TEMPLATE
    with pytest.raises(SpecificationError, match=r"Unknown key 'outcome_is_count' in section "
                                                 r"\[claim\]\. 'outcome_is_count' belongs in "
                                                 r"section \[data\]"):
        parse_config({"data": DATA, "claim": {**CLAIM, "outcome_is_count": True}})
