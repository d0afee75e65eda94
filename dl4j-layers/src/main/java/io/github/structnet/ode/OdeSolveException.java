package io.github.structnet.ode;

/**
 * A solve that could not finish: too many steps, a step below the minimum, or a state or vector field that stopped
 * being finite. The message names the solver's owner, the time t, the step h and the limit that was hit.
 */
public class OdeSolveException extends RuntimeException {

    public OdeSolveException(String message) {
        super(message);
    }
}
