"""The online-learner contract every story grouper follows (after river).

* The constructor stores its arguments unchanged as attributes; learned state lives apart, so
  :func:`clone` can build a fresh grouper with the same parameters.
* ``predict_one(item)`` says where an item would go, changing nothing.
* ``learn_one(item, assignment=None)`` adds the item to the learned state. Unlike river it
  returns the assignment, so a caller need not compute it twice, and it accepts a known
  assignment, so the state can be rebuilt by replaying stored links.
"""

from __future__ import annotations

import inspect
from typing import Any, Protocol, TypeVar, runtime_checkable

from storyline.model import Assignment, Item


@runtime_checkable
class Grouper(Protocol):
    """Puts each new item into an existing story or opens a new one."""

    def predict_one(self, item: Item) -> Assignment:
        """The story the item would join (or the new one it would open), without learning."""
        ...

    def learn_one(self, item: Item, assignment: Assignment | None = None) -> Assignment:
        """Add the item to the state, at ``assignment`` if given, and return where it went."""
        ...


G = TypeVar("G")


def constructor_params(obj: Any) -> dict[str, Any]:
    """The constructor arguments of ``obj``, read back from its attributes of the same name."""
    signature = inspect.signature(type(obj).__init__)
    params = {}
    for name, param in signature.parameters.items():
        if name == "self" or param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            continue
        params[name] = getattr(obj, name)
    return params


def clone(grouper: G) -> G:
    """A new, untrained grouper with the same parameters."""
    return type(grouper)(**constructor_params(grouper))


def story_id_for(item_id: str) -> str:
    """The id of a story opened by ``item_id``: derived from the item, so replays agree."""
    return "s" + item_id[1:13] if item_id.startswith("i") else "s" + item_id[:12]
