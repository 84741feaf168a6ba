"""The Brian2 device ``'spikejit'``: an unchanged Brian2 script runs its
``run()`` calls on spikejit.

    from brian2 import *
    import spikejit.brian2
    set_device('spikejit')

Importing this module registers the device (``all_devices['spikejit']``).
Brian2 builds the network (objects, initial values, connectivity) as its
runtime device does; each run is translated into a ``spikejit._core.Network``
and run there, and Brian2's state variables and monitors are filled with the
results. See :class:`SpikejitDevice`.
"""

from brian2.devices.device import all_devices

from .device import SpikejitDevice

__all__ = ["SpikejitDevice", "spikejit_device"]

#: The registered device instance (``set_device('spikejit')`` selects it).
spikejit_device = SpikejitDevice()
all_devices["spikejit"] = spikejit_device
