"""Datasets: ``load_dataset(name)`` and where the files live."""

from gcnlab.data.datasets import DATASETS, DatasetInfo, dataset_status, load_dataset, resolve_root

__all__ = ["DATASETS", "DatasetInfo", "dataset_status", "load_dataset", "resolve_root"]
