"""Typed records of a sweep's points: what running a point gave, and what is kept on disk.

``Outcome`` is what a worker returns for one point; ``PointRecord`` is an outcome with the
point's identity (index, seed, config overrides, file), written as ``records/point-N.json`` when
the point finishes. A sweep resumes from its records: ``PointRecord.from_json`` refuses a record
that is damaged or belongs to another sweep, and the point runs again.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

#: The statuses of a finished point (an unfinished one is ``"pending"`` in the index).
STATUSES = ("ok", "failed")


@dataclass(frozen=True, kw_only=True)
class Outcome:
    """What running one point gave.

    Parameters
    ----------
    status : str
        ``"ok"`` or ``"failed"``.
    results : mapping of str to float
        The point's scalar results (empty when it failed).
    sha256 : str
        SHA-256 of the point's file (``""`` when it failed).
    size : int
        Size of the point's file, bytes (0 when it failed).
    error : str
        ``"TypeName: message"`` of the failure (``""`` when ok).
    traceback : str
        The worker's traceback of the failure, when there is one.
    """

    status: str
    results: Mapping[str, float] = field(default_factory=dict)
    sha256: str = ""
    size: int = 0
    error: str = ""
    traceback: str = ""

    def __post_init__(self):
        if self.status not in STATUSES:
            raise ValueError(f"status {self.status!r}: expected one of {STATUSES}")

    @classmethod
    def failed(cls, error: str, traceback: str = "") -> Outcome:
        """A failed point with its error message."""
        return cls(status="failed", error=error, traceback=traceback)

    @property
    def ok(self) -> bool:
        return self.status == "ok"


@dataclass(frozen=True, kw_only=True)
class PointRecord:
    """A finished point as recorded in ``records/``: its identity and its ``Outcome``.

    Parameters
    ----------
    index : int
        The point's index in the sweep.
    seed : int
        The point's seed (``SweepSpec.seed_of(index)``).
    point : mapping
        The point's config overrides.
    file : str
        The point's file, relative to the sweep directory.
    outcome : Outcome
        What running it gave.
    """

    index: int
    seed: int
    point: Mapping[str, Any]
    file: str
    outcome: Outcome

    @property
    def status(self) -> str:
        return self.outcome.status

    def to_json(self) -> str:
        """The record as JSON text (one flat object: identity, then the outcome's fields)."""
        out = {"index": self.index, "seed": self.seed, "point": dict(self.point),
               "file": self.file} | dataclasses.asdict(self.outcome)
        out["results"] = dict(self.outcome.results)
        if not out["traceback"]:
            del out["traceback"]
        return json.dumps(out, indent=1)

    @classmethod
    def from_json(cls, text: str) -> PointRecord:
        """Parse ``to_json``'s text.

        Raises
        ------
        ValueError
            When the text is not such a record (truncated, edited, of another layout).
        """
        try:
            raw = json.loads(text)
            outcome = Outcome(
                status=raw["status"],
                results=dict(raw["results"]),
                sha256=raw["sha256"],
                size=raw["size"],
                error=raw["error"],
                traceback=raw.get("traceback", ""),
            )
            rec = cls(index=raw["index"], seed=raw["seed"], point=raw["point"],
                      file=raw["file"], outcome=outcome)
        except (KeyError, TypeError, AttributeError) as exc:
            raise ValueError(f"not a point record ({exc})") from None
        types = ((rec.index, int), (rec.seed, int), (rec.point, dict), (rec.file, str),
                 (outcome.sha256, str), (outcome.size, int), (outcome.error, str))
        if not all(isinstance(v, t) and not isinstance(v, bool) for v, t in types):
            raise ValueError("not a point record (a field of the wrong type)")
        return rec


def checked_results(returned: object) -> dict[str, float]:
    """The scalar results a point's function returned, checked and sorted by name.

    Raises
    ------
    TypeError
        When ``returned`` is not a mapping of names (non-empty, without ``/``, not starting
        with ``.``) to real numbers.
    """
    if not isinstance(returned, Mapping):
        raise TypeError(f"run_point returned {type(returned).__name__}, not a dict of floats")
    out = {}
    for name, value in returned.items():
        if not isinstance(name, str) or not name or "/" in name or name.startswith("."):
            raise TypeError(
                f"run_point returned a result named {name!r}; names are non-empty "
                "strings without '/'"
            )
        if isinstance(value, bool) or not isinstance(value, int | float | np.integer | np.floating):
            raise TypeError(f"run_point returned {name}={value!r}; results are real numbers")
        out[name] = float(value)
    return dict(sorted(out.items()))
