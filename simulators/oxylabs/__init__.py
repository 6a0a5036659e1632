"""A faithful stand-in for the Oxylabs Web Scraper API (amazon_product), for demo and tests."""

from simulators.oxylabs.app import create_app, simulator_state
from simulators.oxylabs.catalogue import Catalogue
from simulators.oxylabs.config import ManualClock, SimulatorConfig, SystemClock

__all__ = [
    "Catalogue",
    "ManualClock",
    "SimulatorConfig",
    "SystemClock",
    "create_app",
    "simulator_state",
]
