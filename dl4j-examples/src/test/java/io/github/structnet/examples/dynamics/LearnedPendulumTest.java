package io.github.structnet.examples.dynamics;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The learned pendulum (quick training): the G-SympNet's 1000-step rollout has a bounded energy error, no trend
 * (max over steps 500–1000 ≤ 2 × max over steps 1–500); the unconstrained ResNet's energy error is reported and
 * is expected to be larger (it dissipates energy).
 */
class LearnedPendulumTest {

    @Test
    void sympNetEnergyErrorStaysBounded() {
        FlowMapLearning.Result r = FlowMapLearning.run(FlowMapLearning.Settings.quick(HamiltonianSystem.PENDULUM),
                FlowMapLearning.Model.G_SYMPNET, FlowMapLearning.Model.RESNET);
        System.out.print(r.table());
        FlowMapLearning.ModelResult symp = r.get(FlowMapLearning.Model.G_SYMPNET);
        FlowMapLearning.ModelResult resnet = r.get(FlowMapLearning.Model.RESNET);
        assertTrue(symp.energyTrend() <= 2.0, "SympNet energy trend " + symp.energyTrend());
        assertTrue(symp.maxEnergyError() < 0.1, "SympNet max energy error " + symp.maxEnergyError());
        assertTrue(resnet.maxEnergyError() > symp.maxEnergyError(),
                "ResNet energy error " + resnet.maxEnergyError() + " vs SympNet " + symp.maxEnergyError());
    }
}
