"""Skill, need and goal labels: normalisation and near-duplicate detection."""

from __future__ import annotations

import difflib
import functools
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable

import pandas as pd

_PUNCT_DROP = re.compile(r"[.'’`\"()\[\]{}!?,:]")
_PUNCT_SPACE = re.compile(r"[-_/\\]+")
_SPACES = re.compile(r"\s+")


def normalize_label(label: str) -> str:
    """Return the canonical key of a label: no accents, lower case, single spaces.

    Dots, quotes and brackets are dropped; hyphens, underscores and slashes become
    spaces. Two labels with the same key are the same skill.

    Examples
    --------
    >>> normalize_label("  S.E.O. ")
    'seo'
    >>> normalize_label("Thérapie  de Couple")
    'therapie de couple'
    >>> normalize_label("e-Commerce")
    'e commerce'
    """
    return _normalized(str(label))  # by text: 1, 1.0 and True are equal keys but different labels


@functools.lru_cache(maxsize=1 << 16)  # a community writes a few hundred distinct spellings, 100,000 times
def _normalized(label: str) -> str:
    text = unicodedata.normalize("NFKD", label)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _PUNCT_DROP.sub("", text.lower())
    text = _PUNCT_SPACE.sub(" ", text)
    return _SPACES.sub(" ", text).strip()


def _compact(key: str) -> str:
    return key.replace(" ", "")


class LabelIndex:
    """Maps raw spellings to canonical labels and reports near-duplicates.

    Spellings whose keys are equal once spaces are removed (``"e-commerce"`` and
    ``"ecommerce"``) are merged; the most frequent key wins and names the label.

    Examples
    --------
    >>> idx = LabelIndex(["SEO", "seo ", "S.E.O.", "Copywriting", "copy-writing", "Copywritting"])
    >>> idx.canonical("S.E.O."), idx.canonical("copy-writing")
    ('seo', 'copywriting')
    >>> idx.variants()["seo"]
    ['S.E.O.', 'SEO', 'seo']
    >>> idx.near_duplicates(cutoff=0.9)
    [('copywriting', 'copywritting', 0.96)]
    """

    def __init__(self, raw_labels: Iterable[str]) -> None:
        counts = Counter(str(label).strip() for label in raw_labels if str(label).strip())
        key_counts: Counter[str] = Counter()
        by_compact: dict[str, Counter[str]] = defaultdict(Counter)
        for raw, n in counts.items():
            key = normalize_label(raw)
            if key:
                key_counts[key] += n
                by_compact[_compact(key)][key] += n
        # the most used spelling of a compact form names it (ties: shortest, then alphabetical)
        self._compact_to_label = {
            comp: sorted(keys.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][0]
            for comp, keys in by_compact.items()
        }
        self._raw_counts = counts
        self.counts: Counter[str] = Counter()
        for raw, n in counts.items():
            label = self.canonical(raw)
            if label:
                self.counts[label] += n

    def canonical(self, raw: str) -> str:
        """Return the canonical label of a raw spelling ("" for an empty one)."""
        key = normalize_label(raw)
        return self._compact_to_label.get(_compact(key), key)

    def spelling(self, label: str) -> str:
        """How members wrote a label: its most used raw spelling (accents and capitals kept).

        Ties go to a spelling with accents, then to one in lower case (it reads well in a sentence),
        then to the first in alphabetical order; a label
        never seen is returned as it is.

        Examples
        --------
        >>> LabelIndex(["Comptabilité", "comptabilite", "comptabilité", "SEO"]).spelling("comptabilite")
        'comptabilité'
        """
        if not hasattr(self, "_spellings"):
            best: dict[str, tuple] = {}
            for raw, n in self._raw_counts.items():
                key = (-n, raw.isascii(), raw != raw.lower(), raw)
                label_of = self.canonical(raw)
                if label_of and (label_of not in best or key < best[label_of]):
                    best[label_of] = key
            self._spellings = {lab: key[-1] for lab, key in best.items()}
        return self._spellings.get(label, label)

    def variants(self) -> dict[str, list[str]]:
        """Return, for every label written in more than one way, its raw spellings."""
        groups: dict[str, set[str]] = defaultdict(set)
        for raw in self._raw_counts:
            label = self.canonical(raw)
            if label:
                groups[label].add(raw)
        return {label: sorted(v) for label, v in sorted(groups.items()) if len(v) > 1}

    def near_duplicates(self, cutoff: float = 0.85) -> list[tuple[str, str, float]]:
        """Return pairs of distinct labels that look alike (similarity >= ``cutoff``).

        These are not merged automatically: "marketing" and "marketting" probably are one
        skill, "coach" and "coaches" maybe, "ux" and "ui" certainly not. The organizer decides.
        """
        labels = sorted(self.counts)
        out = []
        for i, a in enumerate(labels):
            for b in labels[i + 1 :]:
                if abs(len(a) - len(b)) > max(len(a), len(b)) * (1 - cutoff) + 1:
                    continue
                ratio = difflib.SequenceMatcher(None, a, b).ratio()
                if ratio >= cutoff:
                    out.append((a, b, round(ratio, 2)))
        return out

    def report(self, cutoff: float = 0.85) -> pd.DataFrame:
        """A table of merged spellings and look-alike labels, for the organizer to review."""
        rows = [
            {"label": label, "kind": "merged spellings", "other": " | ".join(raws), "similarity": 1.0}
            for label, raws in self.variants().items()
        ]
        rows += [
            {"label": a, "kind": "looks like", "other": b, "similarity": r}
            for a, b, r in self.near_duplicates(cutoff)
        ]
        return pd.DataFrame(rows, columns=["label", "kind", "other", "similarity"])
