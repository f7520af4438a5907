"""kubectl reach: how to reach a Pod, Service or workload from outside the cluster."""

__version__ = "0.1.0"
