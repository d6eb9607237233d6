"""Visit policy (拜访规则, ``docs/visits.md``): how often each class of account is visited, the
visit windows, and the planner's limits — plain data with the sources' defaults.

A policy is a frozen dataclass; :func:`policy_from` builds one from a dataclass, a
mapping, a YAML file or None (the defaults), so a notebook parameter or a ``kam.yml``
section can change any rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from kamlib.errors import ConfigError

__all__ = ["CLASS_ORDER", "ClassRule", "VisitPolicy", "policy_from"]

#: Classes in the order the planner serves them (after locked, at-risk and hot accounts).
CLASS_ORDER = ("VIP", "A", "B", "C")


@dataclass(frozen=True)
class ClassRule:
    """Visits due for one class of account.

    Parameters
    ----------
    mandatory : int
        Visits that must happen in each cycle.
    optional : int, default 0
        Further visits planned when the rep has room (A: the third visit a month).
    months : int, default 1
        Cycle length in months. With ``months > 1`` an account is due in the months its
        cycle says, counted from its last visit (C: 2 visits every 3 months).
    min_gap, max_gap : int
        Visit window: the fewest and most days between two visits of the same account.

    Examples
    --------
    >>> ClassRule(mandatory=2, months=3, min_gap=30, max_gap=60).cycle_days
    46
    """

    mandatory: int
    optional: int = 0
    months: int = 1
    min_gap: int = 7
    max_gap: int = 31

    @property
    def cycle_days(self) -> int:
        """Days between two visits of a cycle class: ``months`` × 30.44 ÷ ``mandatory``, rounded."""
        return round(self.months * 365.25 / 12 / max(self.mandatory, 1))


def _default_classes() -> dict[str, ClassRule]:
    return {
        "VIP": ClassRule(mandatory=2, optional=1, min_gap=7, max_gap=21),
        "A": ClassRule(mandatory=2, optional=1, min_gap=7, max_gap=21),
        "B": ClassRule(mandatory=1, min_gap=14, max_gap=45),
        "C": ClassRule(mandatory=2, months=3, min_gap=30, max_gap=60),
    }


@dataclass(frozen=True)
class VisitPolicy:
    """The rules of the visit plan (``docs/visits.md#visit-frequency-by-class``).

    Parameters
    ----------
    classes : dict of str to ClassRule
        Default: A 2 mandatory + 1 optional a month (2–3 a month), B 1 a month, C 2
        every 3 months (the sources' simple rule); VIP as A (the workbook's own
        assumption: at least as often as A).
    hot, promising : int, default 4 and 3
        Mandatory visits a month at least, for an account with a hot (closing within a
        week) or promising (within two weeks) open lead. The sources ask for "short,
        high-frequency" visits but give no number: weekly for hot, one more than B and
        as many as A's upper end for promising are the workbook's own.
    at_risk : int, default 1
        Mandatory visits added for an account showing a churn warning signal.
    max_cities : int, default 2
        Most cities one rep visits on one day.
    visits_per_day : float, default 4
        A rep's visits a day when the reps table has no ``visits_per_day``; the planner
        uses its whole part as the day's capacity.
    default_class : str, default "B"
        Class of an account when neither a class column, orders nor purchase and
        capacity levels give one.

    Examples
    --------
    >>> p = VisitPolicy()
    >>> p.classes["A"].mandatory, p.classes["A"].optional, p.classes["C"].months, p.max_cities
    (2, 1, 3, 2)
    """

    classes: dict[str, ClassRule] = field(default_factory=_default_classes)
    hot: int = 4
    promising: int = 3
    at_risk: int = 1
    max_cities: int = 2
    visits_per_day: float = 4.0
    default_class: str = "B"

    def __post_init__(self) -> None:
        for name, rule in self.classes.items():
            if not isinstance(rule, ClassRule):
                raise ConfigError(f"visit policy: classes.{name} must be a ClassRule or mapping, "
                                  f"but {type(rule).__name__} was passed.")
            if min(rule.mandatory, rule.optional) < 0 or rule.months < 1 or not 1 <= rule.min_gap <= rule.max_gap:
                raise ConfigError(f"visit policy: classes.{name} needs mandatory, optional ≥ 0, months ≥ 1 and "
                                  f"1 ≤ min_gap ≤ max_gap, but {asdict(rule)} was passed.")
        if self.default_class not in self.classes:
            raise ConfigError(f"visit policy: default_class {self.default_class!r} is not one of the classes "
                              f"{sorted(self.classes)}.")
        if min(self.hot, self.promising, self.at_risk) < 0 or self.max_cities < 1 or self.visits_per_day < 0:
            raise ConfigError("visit policy: hot, promising, at_risk and visits_per_day must be ≥ 0 and "
                              f"max_cities ≥ 1, but hot={self.hot}, promising={self.promising}, "
                              f"at_risk={self.at_risk}, max_cities={self.max_cities}, "
                              f"visits_per_day={self.visits_per_day} were passed.")

    @classmethod
    def from_yaml(cls, source: str | Path | Mapping[str, Any]) -> VisitPolicy:
        """A policy from a YAML file or mapping; keys left out keep their defaults.

        Parameters
        ----------
        source : path or mapping
            ``{hot: 5, classes: {C: {months: 2}}, …}``; a class given in part keeps the
            rest of its default rule, a new class name starts from the default rule of
            ``ClassRule``.

        Raises
        ------
        ConfigError
            Naming the file, the unknown key and the valid keys.

        Examples
        --------
        >>> p = VisitPolicy.from_yaml({"hot": 5, "classes": {"B": {"mandatory": 2}}})
        >>> p.hot, p.classes["B"].mandatory, p.classes["B"].min_gap
        (5, 2, 14)
        >>> VisitPolicy.from_yaml({"hots": 5})
        Traceback (most recent call last):
        ...
        kamlib.errors.ConfigError: visit policy: unknown key 'hots' (valid keys: at_risk, classes, default_class, hot, max_cities, promising, visits_per_day).
        """
        where = "visit policy"
        if not isinstance(source, Mapping):
            where = str(source)
            spec = _read_yaml(Path(source))
        else:
            spec = source
        return _from_mapping(spec, where)


def _read_yaml(path: Path) -> Mapping[str, Any]:
    import yaml

    try:
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"{path}: could not read the visit policy ({err}). Expected YAML such as "
                          "'hot: 4' and 'classes: {A: {mandatory: 2, optional: 1}}'.") from err
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{path}: a visit policy is a mapping of rules (hot: 4, classes: …), "
                          f"but the file holds {type(spec).__name__}.")
    return spec


def _check_keys(spec: Mapping[str, Any], valid: list[str], where: str) -> None:
    for key in spec:
        if key not in valid:
            raise ConfigError(f"{where}: unknown key {key!r} (valid keys: {', '.join(sorted(valid))}).")


def _from_mapping(spec: Mapping[str, Any], where: str) -> VisitPolicy:
    top = [f.name for f in fields(VisitPolicy)]
    _check_keys(spec, top, where)
    base = VisitPolicy()
    classes = dict(base.classes)
    rule_keys = [f.name for f in fields(ClassRule)]
    for name, rule in (spec.get("classes") or {}).items():
        if isinstance(rule, ClassRule):
            classes[str(name)] = rule
            continue
        if not isinstance(rule, Mapping):
            raise ConfigError(f"{where}: classes.{name} must be a mapping of {', '.join(rule_keys)}, "
                              f"but {rule!r} was passed.")
        _check_keys(rule, rule_keys, f"{where}: classes.{name}")
        start = classes.get(str(name), ClassRule(mandatory=1))
        classes[str(name)] = replace(start, **{k: int(v) for k, v in rule.items()})
    others = {k: v for k, v in spec.items() if k != "classes"}
    return replace(base, classes=classes, **others)


def policy_from(obj: VisitPolicy | Mapping[str, Any] | str | Path | None) -> VisitPolicy:
    """The policy *obj* stands for: a VisitPolicy as is, a mapping or YAML path read, None the defaults.

    Examples
    --------
    >>> policy_from(None) == VisitPolicy()
    True
    >>> policy_from({"max_cities": 1}).max_cities
    1
    """
    if obj is None:
        return VisitPolicy()
    if isinstance(obj, VisitPolicy):
        return obj
    if isinstance(obj, (Mapping, str, Path)):
        return VisitPolicy.from_yaml(obj)
    raise ConfigError(f"visit policy: expected a VisitPolicy, a mapping, a YAML path or None, "
                      f"but {type(obj).__name__} was passed.")
