package io.github.structnet.zoo;

import java.util.Locale;

/**
 * What a shipped flow-map network scores: the one-step RMSE on {@code testStates} held-out states (energies in
 * [−0.95, 0.5], drawn with {@code seed}) against the exact time-h flow, and the largest energy error |H(x_k) − H(x_0)|
 * over a rollout of {@code rolloutSteps} steps from x_0 = (q, p) = (1, 0). Written by the command that exports the
 * weights; a test reproduces them from the loaded weights.
 *
 * @param testStates     held-out states
 * @param seed           the seed that draws them
 * @param oneStepRmse    root-mean-square error of one step over the held-out states
 * @param rolloutSteps   steps of the rollout
 * @param maxEnergyError the largest energy error along the rollout
 */
public record FlowMapFigures(int testStates, long seed, double oneStepRmse, int rolloutSteps, double maxEnergyError) {

    /** "one-step RMSE 1.2e-03 on 500 held-out states, max energy error 1.8e-02 over 1000 steps". */
    @Override
    public String toString() {
        return String.format(Locale.ROOT, "one-step RMSE %.3e on %d held-out states, max energy error %.3e over %d"
                + " steps", oneStepRmse, testStates, maxEnergyError, rolloutSteps);
    }
}
