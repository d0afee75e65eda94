package io.github.structnet.summary;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A layer that is one step (or a fixed number of steps) of a discretised flow x ↦ x + h·F(x): its step size h as the
 * layer runs at inference — a configured constant for the symplectic, Hamiltonian and ODE layers, the learned
 * τ = 2s·sigmoid(t)/(B² + floor) of a gradient-flow block. What training monitors record next to the certificate.
 */
public interface StepSize {

    /**
     * The step size the layer runs with for these parameters.
     *
     * @param params the layer's parameters, by key
     */
    double stepSize(Map<String, INDArray> params);
}
