"""Shared fixtures: the lecture's graphs, built with the engine exactly as the lecture does."""

import pytest

from engine.data import lecture_example1, lecture_neuron


@pytest.fixture
def neuron():
    return lecture_neuron()


@pytest.fixture
def example1():
    return lecture_example1()
