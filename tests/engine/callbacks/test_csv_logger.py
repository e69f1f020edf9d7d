"""CSVLogger: header from the first epoch's sorted keys, append mode, flushing, odd values."""

from __future__ import annotations

import csv

import numpy as np

from engine.callbacks import Callback, CSVLogger
from tests.engine.callbacks.fake_model import FakeModel, fit

LOGS = [{"val_loss": 0.5, "loss": 1.0, "accuracy": 0.25}, {"val_loss": 0.4, "loss": 0.75, "accuracy": 0.5}]


def _rows(path, sep=","):
    with open(path, newline="") as f:
        return list(csv.reader(f, delimiter=sep))


def test_header_is_epoch_then_sorted_keys(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], LOGS)
    rows = _rows(path)
    assert rows[0] == ["epoch", "accuracy", "learning_rate", "loss", "val_loss"]
    assert rows[1] == ["0", "0.25", "0.01", "1.0", "0.5"]
    assert rows[2] == ["1", "0.5", "0.01", "0.75", "0.4"]


def test_separator(tmp_path):
    path = tmp_path / "log.tsv"
    fit([CSVLogger(path, separator="\t")], LOGS[:1])
    assert _rows(path, "\t")[0][:2] == ["epoch", "accuracy"]


def test_overwrite_by_default(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], LOGS)
    fit([CSVLogger(path)], LOGS[:1])
    assert len(_rows(path)) == 2


def test_append_continues_without_second_header(tmp_path):
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], LOGS)
    fit([CSVLogger(path, append=True)], LOGS[:1])
    rows = _rows(path)
    assert len(rows) == 4
    assert rows[0][0] == "epoch"
    assert rows[3][0] == "0"


def test_append_to_missing_or_empty_file_writes_header(tmp_path):
    path = tmp_path / "sub" / "log.csv"
    fit([CSVLogger(path, append=True)], LOGS[:1])
    assert _rows(path)[0][0] == "epoch"
    empty = tmp_path / "empty.csv"
    empty.write_text("")
    fit([CSVLogger(empty, append=True)], LOGS[:1])
    assert _rows(empty)[0][0] == "epoch"


def test_rows_are_flushed_each_epoch(tmp_path):
    path = tmp_path / "log.csv"
    seen = []

    class Peek(Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen.append(len(_rows(path)))

    fit([CSVLogger(path), Peek()], LOGS)
    assert seen == [2, 3]


def test_missing_keys_and_array_values(tmp_path):
    path = tmp_path / "log.csv"
    logs = [{"loss": 1.0, "per_class": np.array([1, 2])}, {"loss": 0.5}]
    fit([CSVLogger(path)], logs)
    rows = _rows(path)
    assert rows[0] == ["epoch", "learning_rate", "loss", "per_class"]
    assert rows[1][3] == "[1, 2]"
    assert rows[2][3] == "NA"


def test_expected_validation_columns_from_model(tmp_path):
    model = FakeModel()
    model.metrics_names = ["loss", "val_loss"]
    path = tmp_path / "log.csv"
    fit([CSVLogger(path)], [{"loss": 1.0}, {"loss": 0.5, "val_loss": 0.7}], model=model)
    rows = _rows(path)
    assert rows[0] == ["epoch", "learning_rate", "loss", "val_loss"]
    assert rows[1][3] == "NA"
    assert rows[2][3] == "0.7"


def test_file_is_closed_at_train_end(tmp_path):
    logger = CSVLogger(tmp_path / "log.csv")
    fit([logger], LOGS[:1])
    assert logger.csv_file is None
