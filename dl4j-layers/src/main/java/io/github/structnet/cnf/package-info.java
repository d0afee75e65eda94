/**
 * Continuous normalising flows: densities by the instantaneous change of variables along a neural ODE, with the
 * exact Jacobian trace or Hutchinson's estimate, trained by maximum likelihood in any DL4J network.
 */
package io.github.structnet.cnf;
