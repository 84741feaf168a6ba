"""The ball and stick of models/synaptic_input.toml and models/poisson_input.toml
(soma 20 um with Na and K, a passive dendrite of 50 compartments, a
synaptic conductance `gs` as a point current), built in Brian2 as the model
files describe it; both scripts use it."""
from brian2 import Cylinder, Soma, SpatialNeuron, cm, mV, ms, msiemens, ohm, siemens, uF, um

NAMESPACE = {
    "gL": 1e-4*siemens/cm**2,
    "EL": -65*mV,
    "ENa": 50*mV,
    "EK": -90*mV,
    "Es": 0*mV,
    "taus": 2*ms,
}
EQUATIONS = '''
Im = gL*(EL - v) + gNa*m**3*h*(ENa - v) + gK*n**4*(EK - v) : amp/meter**2
Is = gs*(Es - v) : amp (point current)
dgs/dt = -gs/taus : siemens
dm/dt = (1/(1 + exp(-(v + 40*mV)/(6*mV))) - m)/(0.1*ms) : 1
dn/dt = (1/(1 + exp(-(v + 45*mV)/(10*mV))) - n)/(2*ms) : 1
dh/dt = (1/(1 + exp((v + 55*mV)/(6*mV))) - h)/(1*ms) : 1
gNa : siemens/meter**2
gK : siemens/meter**2
'''


def ball_and_stick():
    """(morphology, neuron) at rest: v = EL, h = 1, Na and K at the soma."""
    morpho = Soma(20*um)
    morpho.dend = Cylinder(diameter=1*um, length=500*um, n=50)
    neuron = SpatialNeuron(morpho, EQUATIONS, Cm=1*uF/cm**2, Ri=150*ohm*cm, threshold='v > -20*mV',
                           threshold_location=0, refractory='v > -40*mV', method='exponential_euler',
                           namespace=NAMESPACE)
    neuron.v = NAMESPACE["EL"]
    neuron.h = 1
    neuron.main.gNa = 50*msiemens/cm**2
    neuron.main.gK = 20*msiemens/cm**2
    return morpho, neuron
