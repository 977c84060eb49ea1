"""Provision tree of a Vietnamese legal document: ``parse`` and the judged ``units``."""

from screener.structure.parser import Provision, parse
from screener.structure.units import Unit, units

__all__ = ["Provision", "Unit", "parse", "units"]
