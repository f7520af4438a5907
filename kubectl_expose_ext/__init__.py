"""kubectl reach: how to reach a Pod, Service or workload from outside the cluster."""

__version__ = "0.1.0"
VERSION_LINE = f"kubectl reach v{__version__}"  # --version at any level, `version --client`, the first line of `version`
