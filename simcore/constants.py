"""Physical constants (SI, exact 2019 definitions) and thermal energy."""

from __future__ import annotations

import numpy as np

from simcore.errors import positive_array

#: Boltzmann constant, J/K (exact).
K_B = 1.380649e-23
#: Electron volt, J (exact).
EV = 1.602176634e-19
#: Elementary charge, C (exact).
Q_E = 1.602176634e-19
#: Natural log of 2.
LN2 = float(np.log(2.0))
#: One year in seconds (Julian year, 365.25 d).
YEAR = 365.25 * 86400.0


def kT(temperature):
    """Thermal energy k_B T in J for a temperature in K (scalar or array)."""
    t = positive_array("temperature", temperature)
    out = K_B * t
    return float(out) if out.ndim == 0 else out
