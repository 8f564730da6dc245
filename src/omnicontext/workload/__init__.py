"""Workload: occupancy, overload and staffing."""
