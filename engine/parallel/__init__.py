"""Data parallelism: ``multi_gpu_model`` splits each batch over replicas and all-reduces the gradients."""

from engine.parallel.data_parallel import DataParallelModel, multi_gpu_model

__all__ = ["DataParallelModel", "multi_gpu_model"]
