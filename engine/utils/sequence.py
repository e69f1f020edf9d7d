"""``Sequence``: a dataset served batch by batch, for data that does not fit in memory."""

from __future__ import annotations

from typing import Any


class Sequence:
    """Subclass and implement ``__len__`` (batches per epoch) and ``__getitem__(index)`` -> (x, y)."""

    def __getitem__(self, index: int) -> Any:
        raise NotImplementedError  # abstract

    def __len__(self) -> int:
        raise NotImplementedError  # abstract

    def on_epoch_end(self) -> None:
        """Called after every epoch (e.g. to reshuffle)."""

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]


PyDataset = Sequence
