"""Nära: a customer-service and case platform that closes the distance between the
customer and the team that can fix the problem."""

__version__ = "0.1.0"
