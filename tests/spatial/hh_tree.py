from brian2 import *
import numpy as np
prefs.codegen.target = 'numpy'
defaultclock.dt = 0.025*ms
morpho = Soma(30*um)
morpho.axon = Cylinder(diameter=1*um, length=300*um, n=50)
morpho.dend = Cylinder(diameter=2*um, length=100*um, n=20)
morpho.axon.br = Cylinder(diameter=0.5*um, length=50*um, n=10)
gL = 1e-4*siemens/cm**2
EL = -70*mV
ENa = 50*mV
EK = -77*mV
gNa0 = 120*msiemens/cm**2
gK = 36*msiemens/cm**2
eqs = '''
Im = gL*(EL-v) + gNa*m**3*h*(ENa-v) + gK*n**4*(EK-v) : amp/meter**2
I : amp (point current)
gNa : siemens/meter**2
dm/dt = alpham * (1-m) - betam * m : 1
dn/dt = alphan * (1-n) - betan * n : 1
dh/dt = alphah * (1-h) - betah * h : 1
alpham = (0.1/mV) * 10*mV/exprel((-v+25*mV+EL)/(10*mV))/ms : Hz
betam = 4 * exp(-(v-EL)/(18*mV))/ms : Hz
alphah = 0.07 * exp(-(v-EL)/(20*mV))/ms : Hz
betah = 1/(exp((-v+30*mV+EL) / (10*mV)) + 1)/ms : Hz
alphan = (0.01/mV) * 10*mV/exprel((-v+10*mV+EL)/(10*mV))/ms : Hz
betan = 0.125*exp(-(v-EL)/(80*mV))/ms : Hz
'''
neuron = SpatialNeuron(morphology=morpho, model=eqs, Cm=1*uF/cm**2, Ri=100*ohm*cm, method='exponential_euler', threshold='v > 0*mV', threshold_location=0, refractory='v > -10*mV')
neuron.v = EL
neuron.h = 1
neuron.gNa = gNa0
neuron.I[0] = 0.5*nA
M = StateMonitor(neuron, ['v', 'm', 'Ic'], record=[0, 1, 25, 50, 51, 60, 70, 75, 80])
S = SpikeMonitor(neuron)
run(20*ms)
f = neuron.flat_morphology if hasattr(neuron,'flat_morphology') else None
np.savez('ref1.npz', v=M.v[:], m=M.m[:], Ic=M.Ic[:], t=M.t[:], si=S.i[:], st=S.t[:],
  area=neuron.area[:], length=neuron.length[:], distance=neuron.distance[:], r1=neuron.r_length_1[:], r2=neuron.r_length_2[:], volume=neuron.volume[:])
print(S.t[:], neuron.area[:3], neuron.r_length_1[:3], neuron.distance[:3], neuron.distance[50:53])
