"""Police force area (PFA) names: one canonical spelling for each of the 43 territorial PFAs.

Different official products spell the same PFA differently: the MoJ December 2024 "Outcomes by
offence" files say ``"Metropolitan"`` and ``"Dyfed Powys"``, the December 2022 files and the
Prison Reform Trust tables say ``"Metropolitan Police"`` and ``"Dyfed-Powys"``, ONS lookups say
``"Devon & Cornwall"`` or ``"London"``, and many tables add ``"Police"`` or ``"Constabulary"``.
:func:`harmonise_pfa` maps all of these to the names used in the panel shipped with
``wsa_eval.datasets`` (:data:`PFA_NAMES`, the 42 PFAs of that panel), plus ``"City of London"``,
which is a separate force and is kept distinct (the panel leaves it out, as PRT did).
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from typing import Any, Literal

import pandas as pd

from .errors import DataFormatError, SpecificationError

__all__ = ["PFA_NAMES", "PFA_CODES", "CITY_OF_LONDON", "harmonise_pfa", "pfa_key"]

#: The 42 police force areas of the shipped panel, in its spelling (alphabetical).
PFA_NAMES: tuple[str, ...] = (
    "Avon and Somerset",
    "Bedfordshire",
    "Cambridgeshire",
    "Cheshire",
    "Cleveland",
    "Cumbria",
    "Derbyshire",
    "Devon and Cornwall",
    "Dorset",
    "Durham",
    "Dyfed-Powys",
    "Essex",
    "Gloucestershire",
    "Greater Manchester",
    "Gwent",
    "Hampshire",
    "Hertfordshire",
    "Humberside",
    "Kent",
    "Lancashire",
    "Leicestershire",
    "Lincolnshire",
    "Merseyside",
    "Metropolitan Police",
    "Norfolk",
    "North Wales",
    "North Yorkshire",
    "Northamptonshire",
    "Northumbria",
    "Nottinghamshire",
    "South Wales",
    "South Yorkshire",
    "Staffordshire",
    "Suffolk",
    "Surrey",
    "Sussex",
    "Thames Valley",
    "Warwickshire",
    "West Mercia",
    "West Midlands",
    "West Yorkshire",
    "Wiltshire",
)

#: The 43rd territorial force: recognised, but kept distinct from the Metropolitan Police.
CITY_OF_LONDON = "City of London"

#: ONS (GSS) codes of the police force areas: E23 for England, W15 for Wales (ONS Open
#: Geography Portal; stable across the PFA17-PFA23 lookups). Codes are also accepted by
#: :func:`harmonise_pfa`.
PFA_CODES: dict[str, str] = {
    "Metropolitan Police": "E23000001",
    "Cumbria": "E23000002",
    "Lancashire": "E23000003",
    "Merseyside": "E23000004",
    "Greater Manchester": "E23000005",
    "Cheshire": "E23000006",
    "Northumbria": "E23000007",
    "Durham": "E23000008",
    "North Yorkshire": "E23000009",
    "West Yorkshire": "E23000010",
    "South Yorkshire": "E23000011",
    "Humberside": "E23000012",
    "Cleveland": "E23000013",
    "West Midlands": "E23000014",
    "Staffordshire": "E23000015",
    "West Mercia": "E23000016",
    "Warwickshire": "E23000017",
    "Derbyshire": "E23000018",
    "Nottinghamshire": "E23000019",
    "Lincolnshire": "E23000020",
    "Leicestershire": "E23000021",
    "Northamptonshire": "E23000022",
    "Cambridgeshire": "E23000023",
    "Norfolk": "E23000024",
    "Suffolk": "E23000025",
    "Bedfordshire": "E23000026",
    "Hertfordshire": "E23000027",
    "Essex": "E23000028",
    "Thames Valley": "E23000029",
    "Hampshire": "E23000030",
    "Surrey": "E23000031",
    "Kent": "E23000032",
    "Sussex": "E23000033",
    "City of London": "E23000034",
    "Devon and Cornwall": "E23000035",
    "Avon and Somerset": "E23000036",
    "Gloucestershire": "E23000037",
    "Wiltshire": "E23000038",
    "Dorset": "E23000039",
    "North Wales": "W15000001",
    "Gwent": "W15000002",
    "South Wales": "W15000003",
    "Dyfed-Powys": "W15000004",
}

_PREFIX = re.compile(r"^\s*\d+[A-Za-z]?\s*:\s*")
_SUFFIXES = (
    " police force",
    " police service",
    " police",
    " constabulary",
    " pfa",
)

# Other spellings, written as keys (see pfa_key) -> canonical name.
_ALIASES: dict[str, str] = {
    "metropolitan": "Metropolitan Police",
    "london": "Metropolitan Police",
    "met": "Metropolitan Police",
    "greater london": "Metropolitan Police",
    "metropolitan police service": "Metropolitan Police",
    "gmp": "Greater Manchester",
    "london city of": CITY_OF_LONDON,
    "city of london": CITY_OF_LONDON,
    "county durham": "Durham",
    "hampshire and isle of wight": "Hampshire",
    "hampshire and the isle of wight": "Hampshire",
    "devon cornwall": "Devon and Cornwall",
    "avon somerset": "Avon and Somerset",
    "dyfed powys": "Dyfed-Powys",
    "dyfedpowys": "Dyfed-Powys",
}


def pfa_key(name: Any) -> str:
    """The matching key of a PFA name: no ``NN:`` prefix, lower case, ``&`` -> ``and``,
    hyphens and punctuation as spaces, no ``Police``/``Constabulary`` suffix."""
    s = _PREFIX.sub("", str(name))
    s = s.casefold().replace("&", " and ")
    s = re.sub(r"[-_/,.'’()]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    changed = True
    while changed:
        changed = False
        for suf in _SUFFIXES:
            if s.endswith(suf) and len(s) > len(suf):
                s = s[: -len(suf)].strip()
                changed = True
    return s


_KEY_TO_NAME: dict[str, str] = {pfa_key(n): n for n in (*PFA_NAMES, CITY_OF_LONDON)}
_KEY_TO_NAME.update(_ALIASES)
_KEY_TO_NAME.update({code.casefold(): name for name, code in PFA_CODES.items()})


def _match_one(name: Any) -> str | None:
    if name is None or (isinstance(name, float) and name != name):
        return None
    return _KEY_TO_NAME.get(pfa_key(name))


def _suggest(name: Any) -> list[str]:
    keys = difflib.get_close_matches(pfa_key(name), list(_KEY_TO_NAME), n=3, cutoff=0.6)
    out: list[str] = []
    for k in keys:
        if _KEY_TO_NAME[k] not in out:
            out.append(_KEY_TO_NAME[k])
    return out


def harmonise_pfa(
    names: Any,
    *,
    errors: Literal["raise", "keep"] = "raise",
    extra: dict[str, str] | None = None,
) -> Any:
    """Map police force area names to the canonical spelling of :data:`PFA_NAMES`.

    Matching ignores case, surrounding and repeated whitespace, a leading ``NN:`` code,
    ``&`` versus ``and``, hyphens, and a trailing ``Police`` / ``Constabulary``. Known
    alternative names are mapped too: ``"Metropolitan"``, ``"Metropolitan Police Service"``
    and ``"London"`` -> ``"Metropolitan Police"``; ``"Dyfed Powys"`` -> ``"Dyfed-Powys"``;
    ``"Devon & Cornwall"`` -> ``"Devon and Cornwall"``; ``"Hampshire and Isle of Wight"`` ->
    ``"Hampshire"``. ``"City of London"`` (also ``"London, City of"``) stays a separate PFA.
    ONS codes (``"E23000005"``, ``"W15000004"``; :data:`PFA_CODES`) are accepted too.

    Parameters
    ----------
    names : str, list, tuple, Index or Series
        The names to map. The result has the same form (a Series keeps its index and name).
    errors : {"raise", "keep"}
        ``"raise"`` (default): raise :class:`~wsa_eval.errors.DataFormatError` naming every
        name that did not match, with close suggestions. ``"keep"``: leave them unchanged.
    extra : dict, optional
        Your own spellings, ``{"your name": "canonical name"}``; canonical names must be in
        :data:`PFA_NAMES` or be ``"City of London"``.

    Examples
    --------
    >>> harmonise_pfa(["Metropolitan", "Dyfed Powys", "Devon & Cornwall", "city of london"])
    ['Metropolitan Police', 'Dyfed-Powys', 'Devon and Cornwall', 'City of London']
    """
    if errors not in ("raise", "keep"):
        raise SpecificationError(f"errors must be 'raise' or 'keep', not {errors!r}.")
    table = _KEY_TO_NAME
    if extra:
        table = dict(_KEY_TO_NAME)
        for k, v in extra.items():
            canon = _KEY_TO_NAME.get(pfa_key(v))
            if canon is None or canon != v:
                raise SpecificationError(
                    f"extra maps {k!r} to {v!r}, which is not a canonical PFA name; use one of "
                    f"PFA_NAMES or 'City of London'."
                )
            table[pfa_key(k)] = v

    scalar = isinstance(names, str)
    if scalar:
        values: list[Any] = [names]
    elif isinstance(names, (pd.Series, pd.Index)):
        values = list(names)
    elif isinstance(names, Iterable):
        values = list(names)
    else:
        raise SpecificationError(
            f"names must be a string or a list/Series of strings, not {type(names).__name__}."
        )

    cache: dict[Any, Any] = {}
    unmatched: list[Any] = []
    for v in values:
        if v in cache:
            continue
        if v is None or (isinstance(v, float) and v != v):
            cache[v] = v
            unmatched.append(v)
            continue
        m = table.get(pfa_key(v))
        if m is None:
            unmatched.append(v)
            m = v
        cache[v] = m
    if unmatched and errors == "raise":
        parts = []
        for v in unmatched[:10]:
            sug = _suggest(v) if isinstance(v, str) else []
            hint = f" (did you mean {' or '.join(repr(s) for s in sug)}?)" if sug else ""
            parts.append(f"{v!r}{hint}")
        more = f" and {len(unmatched) - 10} more" if len(unmatched) > 10 else ""
        raise DataFormatError(
            f"{len(unmatched)} police force area name(s) not recognised: "
            f"{'; '.join(parts)}{more}. Canonical names are wsa_eval.data.PFA_NAMES "
            "(plus 'City of London'); pass extra={'your name': 'canonical name'} for "
            "other spellings, or errors='keep' to leave unmatched names as they are."
        )
    out = [cache[v] for v in values]
    if scalar:
        return out[0]
    if isinstance(names, pd.Series):
        return pd.Series(out, index=names.index, name=names.name, dtype=object)
    if isinstance(names, pd.Index):
        return pd.Index(out, name=names.name, dtype=object)
    if isinstance(names, tuple):
        return tuple(out)
    return out
