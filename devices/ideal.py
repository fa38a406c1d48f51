"""The ideal two-state cell: barrier and tilt are the controls, given in units of kT.

This is the one home of the ideal bit that the bit and level experiments run by default
(``device = "ideal"``) and that the tests use. Its landscape is ``simcore.bit_landscape``: wells
at ``∓tilt/2`` (tilt > 0 lowers level 0) and the saddle ``barrier`` above their mean. Unlike a
real device, barrier and tilt are set independently, so every protocol of THEORY.md (lowering
the barrier, tilting, raising it in place) can be driven; it draws no electrical energy (the
thermodynamic ledger is all it costs).

The protocol builders here are the ones the experiments share: a tilt-only write over a static
saddle (:func:`static_write`), the four-ramp erasure (:func:`four_ramp`), a barrier raised in
place (:func:`raise_barrier`) and a hold recorded at given times (:func:`hold`). Each returns a
:class:`simcore.Protocol` with energies in J.

Sources: R. Landauer, IBM J. Res. Dev. 5, 183 (1961), doi:10.1147/rd.53.0183 (the two-well
bit); THEORY.md sections 1, 4 and 5 (the protocols).
"""

from __future__ import annotations

import numpy as np

from devices.parameters import device_model, quantity, require_in, require_positive
from simcore import Protocol
from simcore.constants import kT as thermal_energy
from simcore.landscape import bit_landscape


def bit(barrier_kT: float, tilt_kT: float = 0.0, temperature: float = 300.0):
    """Bit landscape ``(energies (2,), saddles (1,))`` in J.

    Parameters
    ----------
    barrier_kT : float
        Saddle above the mean of the two wells, in units of kT at ``temperature``.
    tilt_kT : float
        Tilt in kT; positive lowers level 0 (wells at ``∓tilt/2``).
    temperature : float
        Bath temperature (K).

    Returns
    -------
    tuple of ndarray
        ``(energies (2,), saddles (1,))`` in J.
    """
    k_t = thermal_energy(temperature)
    return bit_landscape(barrier_kT * k_t, tilt_kT * k_t)


def static_write(barrier: float, tilt: float, write_time: float, tag: str = "update"):
    """Tilt-only write of level 1 -> 0 over a static saddle: lift level 1 by ``tilt`` (J) at
    once, hold ``write_time`` (s), drop it (the convention of ``bounds.static_write_error``).

    Parameters
    ----------
    barrier : float
        The saddle (J), unchanged throughout.
    tilt : float
        Lift of level 1 during the write (J).
    write_time : float
        Duration of the lifted hold (s).
    tag : str
        Ledger tag of all three segments.

    Returns
    -------
    simcore.Protocol
    """
    s = np.array([barrier])
    return pulse(([0.0, 0.0], s), ([0.0, tilt], s), write_time, tag)


def pulse(rest, during, duration: float, tag: str = "update") -> Protocol:
    """Jump from the landscape ``rest`` to ``during``, hold it ``duration`` s, jump back.

    Parameters
    ----------
    rest, during : tuple of array_like
        ``(energies (M,), saddles (M-1,))`` in J before and after, and during the pulse.
    duration : float
        Pulse duration (s).
    tag : str
        Ledger tag (the jumps are pure work, booked under it too).

    Returns
    -------
    simcore.Protocol
    """
    (e0, s0), (e1, s1) = rest, during
    e0, s0, e1, s1 = (np.asarray(x, dtype=np.float64) for x in (e0, s0, e1, s1))
    return Protocol([0.0, 0.0, duration, duration], [e0, e1, e1, e0], [s0, s1, s1, s0],
                    [tag] * 3)


def four_ramp(hold_kT: float, low_kT: float, tilt_kT: float, duration: float, tag: str,
              temperature: float = 300.0) -> Protocol:
    """Lower the barrier from ``hold_kT`` to ``low_kT``, tilt to ``tilt_kT`` towards level 0,
    raise the barrier, untilt: four equal ramps over ``duration`` s (barriers and tilt in kT).

    Returns
    -------
    simcore.Protocol
    """
    q = duration / 4

    def b(barrier, tilt=0.0):
        return bit(barrier, tilt, temperature)

    return (Protocol.ramp(b(hold_kT), b(low_kT), q, tag)
            .ramp_to(*b(low_kT, tilt_kT), q, tag)
            .ramp_to(*b(hold_kT, tilt_kT), q, tag)
            .ramp_to(*b(hold_kT), q, tag))


def raise_barrier(start_kT: float, end: float, duration: float, tag: str,
                  temperature: float = 300.0) -> Protocol:
    """Raise an untilted barrier from ``start_kT`` (kT) to ``end`` (J) in one ramp of
    ``duration`` s: only the saddle moves, so the work is exactly zero.

    Returns
    -------
    simcore.Protocol
    """
    return Protocol.ramp(bit(start_kT, 0.0, temperature), bit_landscape(end), duration, tag)


def hold(landscape, times, tag: str = "hold") -> Protocol:
    """The landscape ``(energies, saddles)`` (J) held unchanged, with knots at 0 and ``times``
    (s, increasing), so that a run records the occupancy exactly at each of them.

    Returns
    -------
    simcore.Protocol
    """
    e, s = landscape
    t = np.concatenate([[0.0], np.asarray(times, dtype=np.float64)])
    return Protocol(t, [e] * t.size, [s] * t.size, [tag] * (t.size - 1))


@device_model
class IdealBit:
    """The ideal two-state cell with barrier and tilt in kT (``device = "ideal"``)."""

    barrier: float = quantity("kT", "barrier E_B at zero tilt, in kT of the bath", default=40.0)
    attempt_frequency: float = quantity(
        "Hz", "attempt frequency f0 of devices.cell's closed forms (the experiments run the"
        " ideal cell at their config's attempt_frequency)", default=1e9)

    n_levels = 2

    def __post_init__(self):
        require_in("barrier", self.barrier, 0.0, 200.0, "kT")
        require_positive("attempt_frequency", self.attempt_frequency, "Hz")

    @property
    def control_range(self) -> tuple[float, float]:
        """Lifts of level 1 (kT) of :meth:`write_landscape` where the Arrhenius rates hold:
        ``-E_B <= control <= E_B``, the saddle at or above both wells
        (``devices.cell.write_control`` searches it)."""
        return (-self.barrier, self.barrier)

    def landscape(self, control: float = 0.0, temperature: float = 300.0):
        """``(energies (2,), saddles (1,))`` in J at tilt ``control`` (kT)."""
        return bit(self.barrier, control, temperature)

    def write_landscape(self, control: float = 0.0, temperature: float = 300.0):
        """``(energies (2,), saddles (1,))`` in J of the ideal write pulse, the update wall's
        static write (:func:`static_write`): level 1 lifted by ``control`` (kT) over the
        untilted bit, the saddle fixed, so the barrier out of level 0 stays ``barrier`` and
        the one out of level 1 is ``barrier - control``. ``devices.cell``'s write functions
        drive the ideal cell through it (its ``landscape`` tilts both wells)."""
        e, s = bit(self.barrier, 0.0, temperature)
        return e + np.array([0.0, control * thermal_energy(temperature)]), s

    def write_energy(self, control: float, duration: float, p1_start: float = 0.0,
                     temperature: float = 300.0) -> float:
        """Electrical energy of a pulse (J per cell): always 0, the ideal cell draws none."""
        return 0.0
