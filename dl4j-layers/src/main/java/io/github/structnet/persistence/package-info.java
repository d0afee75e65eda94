/**
 * Saving and loading networks with nothing lost: writes that never replace a good file with a half-written one, and
 * loads that name the file and what is wrong with it.
 */
package io.github.structnet.persistence;
