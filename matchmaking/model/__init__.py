"""The community model: members, labels and the readers of user files."""

from matchmaking.model.community import Community
from matchmaking.model.labels import LabelIndex, normalize_label

__all__ = ["Community", "LabelIndex", "normalize_label"]
