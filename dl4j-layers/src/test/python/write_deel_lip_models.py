#!/usr/bin/python3
"""Writes the deel-lip test models of the Keras import tests: Keras 2 HDF5 files in the layout Keras 2 saves
(root attributes keras_version / backend / model_config, one group per layer under model_weights with its
weight_names), with deel-lip's registered class names and configuration keys, and the reference input and output of
each model computed here in numpy (float64) from the very weights written to the file.

No TensorFlow is needed: only numpy and h5py (Debian: python3-numpy python3-h5py).

    /usr/bin/python3 dl4j-layers/src/test/python/write_deel_lip_models.py dl4j-layers/src/test/resources/keras

Each model NAME gives NAME.h5, NAME-input.npy and NAME-output.npy.
"""
import json
import os
import sys

import h5py
import numpy as np

KERAS_VERSION = "2.11.0"
GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
SPECTRAL_INIT = {"class_name": "deel-lip>SpectralInitializer",
                 "config": {"eps_spectral": 0.001, "eps_bjorck": 0.001, "beta_bjorck": 0.5}}


# ---------------------------------------------------------------------------------------------------------------
# deel-lip's normalisations, written from its documented algorithm (power iteration, then Björck)
# ---------------------------------------------------------------------------------------------------------------

def power_iteration_sigma(w, u, eps, maxiter):
    """Largest singular value of w [m, n] from the start vector u [1, n], stopped like deel-lip does."""
    u = u / np.linalg.norm(u)
    old = u + 2 * eps
    it = 0
    while np.linalg.norm(u - old) >= eps and it < maxiter:
        old = u
        u = (u @ w.T) @ w
        u = u / np.linalg.norm(u)
        it += 1
    return np.linalg.norm(u @ w.T), u


def bjorck(w, eps, beta, maxiter):
    old = 10 * w
    it = 0
    while np.linalg.norm(w - old) >= eps and it < maxiter:
        old = w
        wtw = w @ (w.T @ w) if w.shape[0] > w.shape[1] else (w @ w.T) @ w
        w = (1 + beta) * w - beta * wtw
        it += 1
    return w


def reshaped_kernel_orthogonalization(kernel, u, coef, cfg):
    w = kernel.reshape(-1, kernel.shape[-1]).astype(np.float64)
    sigma, u = power_iteration_sigma(w, u.astype(np.float64), cfg["eps_spectral"], cfg["maxiter_spectral"])
    w = w / (sigma + cfg["eps_spectral"])
    w = bjorck(w, cfg["eps_bjorck"], cfg["beta_bjorck"], cfg["maxiter_bjorck"])
    return (w * coef).reshape(kernel.shape), u, sigma


def conv_lip_factor(kernel_size, strides, h, w):
    kh, kw = kernel_size
    if strides[0] * strides[1] == 1:
        a, b = (kh - 1) / 2, (kw - 1) / 2
        return np.sqrt((w * h) / ((kh * h - a * (a + 1)) * (kw * w - b * (b + 1))))
    return np.sqrt(1.0 / (np.ceil(kh / strides[0]) * np.ceil(kw / strides[1])))


# ---------------------------------------------------------------------------------------------------------------
# numpy forward passes (NHWC, as Keras' channels_last)
# ---------------------------------------------------------------------------------------------------------------

def same_padding(size, k, s):
    out = -(-size // s)
    total = max((out - 1) * s + k - size, 0)
    return out, total // 2, total - total // 2


def conv2d(x, kernel, bias, strides):
    n, h, w, c = x.shape
    kh, kw, _, co = kernel.shape
    oh, pt, pb = same_padding(h, kh, strides[0])
    ow, pl, pr = same_padding(w, kw, strides[1])
    xp = np.pad(x, ((0, 0), (pt, pb), (pl, pr), (0, 0)))
    y = np.zeros((n, oh, ow, co))
    for i in range(oh):
        for j in range(ow):
            patch = xp[:, i * strides[0]:i * strides[0] + kh, j * strides[1]:j * strides[1] + kw, :]
            y[:, i, j, :] = np.tensordot(patch, kernel, axes=([1, 2, 3], [0, 1, 2]))
    return y + bias


def activation(name, y):
    if name == "linear":
        return y
    if name == "relu":
        return np.maximum(y, 0)
    raise ValueError(name)


def group_sort(x, n):
    c = x.shape[-1]
    n = c if n is None or n > c else n
    return np.sort(x.reshape(x.shape[:-1] + (c // n, n)), axis=-1).reshape(x.shape)


def pool(x, k, reduce):
    n, h, w, c = x.shape
    return reduce(x.reshape(n, h // k, k, w // k, k, c), (2, 4))


def invertible_down_sampling(x, k):
    n, h, w, c = x.shape
    y = x.reshape(n, h // k, k, w // k, k, c).transpose(0, 1, 3, 5, 2, 4)
    return y.reshape(n, h // k, w // k, c * k * k)


# ---------------------------------------------------------------------------------------------------------------
# model description -> Keras config, weights and forward pass
# ---------------------------------------------------------------------------------------------------------------

def write_h5(path, model_config, layer_weights):
    """A Keras 2 HDF5 model file: root attributes, one group per layer [(name, [(weight name, array)])] with its
    weight_names; written to a temporary file and moved into place."""
    tmp = path + ".tmp"
    with h5py.File(tmp, "w") as f:
        f.attrs["keras_version"] = KERAS_VERSION.encode()
        f.attrs["backend"] = b"tensorflow"
        f.attrs["model_config"] = json.dumps(model_config).encode("utf8")
        mw = f.create_group("model_weights")
        mw.attrs["layer_names"] = np.array([n.encode() for n, _ in layer_weights])
        mw.attrs["backend"] = b"tensorflow"
        mw.attrs["keras_version"] = KERAS_VERSION.encode()
        for n, ws in layer_weights:
            g = mw.create_group(n)
            g.attrs["weight_names"] = np.array([w.encode() for w, _ in ws]) if ws else np.asarray([])
            for w, a in ws:
                g.create_dataset(w, data=a)
    os.replace(tmp, path)


class Model:
    def __init__(self, rng, input_shape):
        self.rng = rng
        self.input_shape = list(input_shape)
        self.shape = list(input_shape)
        self.layers = []     # (class_name, config)
        self.weights = {}    # layer name -> [(weight name, array)]
        self.forward = []    # functions NHWC -> NHWC
        self.counts = {}

    def name(self, base):
        i = self.counts.get(base, 0)
        self.counts[base] = i + 1
        return base if i == 0 else "%s_%d" % (base, i)

    def add(self, class_name, base, config, weights=(), fn=None, out_shape=None):
        name = self.name(base)
        self.layers.append((class_name, dict({"name": name, "trainable": True, "dtype": "float32"}, **config)))
        self.weights[name] = [("%s/%s:0" % (name, w), np.asarray(a, dtype=np.float32)) for w, a in weights]
        self.forward.append(fn)
        if out_shape is not None:
            self.shape = list(out_shape)
        return name

    def random(self, *shape, scale=1.0):
        return (self.rng.standard_normal(shape) * scale).astype(np.float32)

    # --- deel-lip layers ------------------------------------------------------------------------------------
    def spectral_dense(self, units, act="linear", store_wbar=True, k_coef_lip=1.0, vanilla=False):
        nin = self.shape[-1]
        cfg = {"k_coef_lip": k_coef_lip, "eps_spectral": 1e-3, "eps_bjorck": 1e-3, "beta_bjorck": 0.5,
               "maxiter_spectral": 10, "maxiter_bjorck": 15}
        kernel, bias, u = self.random(nin, units, scale=0.5), self.random(units, scale=0.1), self.random(1, units)
        wbar, u_new, sigma = reshaped_kernel_orthogonalization(kernel, u, k_coef_lip, cfg)
        wbar32, bias64 = wbar.astype(np.float32), bias.astype(np.float64)
        if vanilla:
            base = {"units": units, "activation": act, "use_bias": True, "kernel_initializer": GLOROT,
                    "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
                    "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
            self.add("Dense", "dense", base, [("kernel", wbar32), ("bias", bias)],
                     lambda x: activation(act, x @ wbar32.astype(np.float64) + bias64), self.shape[:-1] + [units])
            return
        config = {"units": units, "activation": act, "use_bias": True, "kernel_initializer": SPECTRAL_INIT,
                  "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
                  "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
        config.update(cfg)
        weights = [("kernel", kernel), ("bias", bias), ("sn", u_new), ("sigma", [[sigma]])]
        if store_wbar:
            weights.append(("Variable", wbar32))
            used = wbar32.astype(np.float64)
        else:
            # without the stored inference kernel the importer recomputes it from kernel and sn, as deel-lip's
            # training-mode call does; the reference does the same from the stored values
            used, _, _ = reshaped_kernel_orthogonalization(kernel, np.asarray(u_new, np.float32), k_coef_lip, cfg)
        self.add("deel-lip>SpectralDense", "spectral_dense", config, weights,
                 lambda x: activation(act, x @ used + bias64), self.shape[:-1] + [units])

    def frobenius_dense(self, units, disjoint=True, act="linear"):
        nin = self.shape[-1]
        kernel, bias = self.random(nin, units), self.random(units, scale=0.1)
        k64 = kernel.astype(np.float64)
        wbar = k64 / np.linalg.norm(k64, axis=0 if disjoint else None)
        wbar32 = wbar.astype(np.float32)
        config = {"units": units, "activation": act, "use_bias": True, "kernel_initializer": SPECTRAL_INIT,
                  "bias_initializer": ZEROS, "kernel_regularizer": None, "bias_regularizer": None,
                  "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
                  "disjoint_neurons": disjoint, "k_coef_lip": 1.0}
        self.add("deel-lip>FrobeniusDense", "frobenius_dense", config,
                 [("kernel", kernel), ("bias", bias), ("Variable", wbar32)],
                 lambda x: activation(act, x @ wbar32.astype(np.float64) + bias.astype(np.float64)),
                 self.shape[:-1] + [units])

    def conv_config(self, filters, k, strides, act):
        return {"filters": filters, "kernel_size": [k, k], "strides": list(strides), "padding": "same",
                "data_format": "channels_last", "dilation_rate": [1, 1], "groups": 1, "activation": act,
                "use_bias": True, "kernel_initializer": SPECTRAL_INIT, "bias_initializer": ZEROS,
                "kernel_regularizer": None, "bias_regularizer": None, "activity_regularizer": None,
                "kernel_constraint": None, "bias_constraint": None}

    def spectral_conv2d(self, filters, k=3, strides=(1, 1), act="linear", vanilla=False):
        h, w, c = self.shape[-3], self.shape[-2], self.shape[-1]
        cfg = {"k_coef_lip": 1.0, "eps_spectral": 1e-3, "eps_bjorck": 1e-3, "beta_bjorck": 0.5,
               "maxiter_spectral": 10, "maxiter_bjorck": 15}
        kernel, bias, u = self.random(k, k, c, filters, scale=0.3), self.random(filters, scale=0.1), \
            self.random(1, filters)
        coef = conv_lip_factor((k, k), strides, h, w)
        wbar, u_new, sigma = reshaped_kernel_orthogonalization(kernel, u, coef, cfg)
        wbar32 = wbar.astype(np.float32)
        oh, ow = -(-h // strides[0]), -(-w // strides[1])
        fn = (lambda x: activation(act, conv2d(x, wbar32.astype(np.float64), bias.astype(np.float64), strides)))
        config = self.conv_config(filters, k, strides, act)
        if vanilla:
            config["kernel_initializer"] = GLOROT
            self.add("Conv2D", "conv2d", config, [("kernel", wbar32), ("bias", bias)], fn, [None, oh, ow, filters])
            return
        config.update(cfg)
        self.add("deel-lip>SpectralConv2D", "spectral_conv2d", config,
                 [("kernel", kernel), ("bias", bias), ("sn", u_new), ("sigma", [[sigma]]), ("Variable", wbar32)],
                 fn, [None, oh, ow, filters])

    def frobenius_conv2d(self, filters, k=3, act="linear"):
        h, w, c = self.shape[-3], self.shape[-2], self.shape[-1]
        kernel, bias = self.random(k, k, c, filters), self.random(filters, scale=0.1)
        k64 = kernel.astype(np.float64)
        wbar32 = (k64 / np.linalg.norm(k64) * conv_lip_factor((k, k), (1, 1), h, w)).astype(np.float32)
        config = self.conv_config(filters, k, (1, 1), act)
        config["k_coef_lip"] = 1.0
        self.add("deel-lip>FrobeniusConv2D", "frobenius_conv2d", config,
                 [("kernel", kernel), ("bias", bias), ("Variable", wbar32)],
                 lambda x: activation(act, conv2d(x, wbar32.astype(np.float64), bias.astype(np.float64), (1, 1))),
                 [None, h, w, filters])

    def group_sort(self, n, class_name="GroupSort", base="group_sort"):
        config = {"n": n, "k_coef_lip": 1.0, "data_format": "channels_last"}
        self.add("deel-lip>" + class_name, base, config, [], lambda x: group_sort(x, n))

    def max_min(self):
        self.add("deel-lip>MaxMin", "max_min", {"data_format": "channels_last", "k_coef_lip": 1.0}, [],
                 lambda x: np.concatenate([np.maximum(x, 0), np.maximum(-x, 0)], axis=-1),
                 self.shape[:-1] + [2 * self.shape[-1]])

    def pooling(self, class_name, base, k, reduce):
        config = {"pool_size": [k, k], "padding": "valid", "strides": [k, k], "data_format": "channels_last",
                  "k_coef_lip": 1.0}
        if "L2" in class_name:
            config["eps_grad_sqrt"] = 1e-6
        h, w, c = self.shape[-3], self.shape[-2], self.shape[-1]
        self.add("deel-lip>" + class_name, base, config, [], lambda x: pool(x, k, reduce), [None, h // k, w // k, c])

    def scaled_average_pooling(self, k):
        self.pooling("ScaledAveragePooling2D", "scaled_average_pooling2d", k,
                     lambda a, ax: a.mean(axis=ax) * k)

    def scaled_l2_norm_pooling(self, k):
        self.pooling("ScaledL2NormPooling2D", "scaled_l2_norm_pooling2d", k,
                     lambda a, ax: np.sqrt((a * a).sum(axis=ax)))

    def scaled_global_l2_norm_pooling(self):
        self.add("deel-lip>ScaledGlobalL2NormPooling2D", "scaled_global_l2_norm_pooling2d",
                 {"data_format": "channels_last", "keepdims": False, "k_coef_lip": 1.0, "eps_grad_sqrt": 1e-6}, [],
                 lambda x: np.sqrt((x * x).sum(axis=(1, 2))), [None, self.shape[-1]])

    def scaled_global_average_pooling(self):
        h, w = self.shape[-3], self.shape[-2]
        self.add("deel-lip>ScaledGlobalAveragePooling2D", "scaled_global_average_pooling2d",
                 {"data_format": "channels_last", "keepdims": False, "k_coef_lip": 1.0}, [],
                 lambda x: x.mean(axis=(1, 2)) * np.sqrt(h * w), [None, self.shape[-1]])

    def invertible_down_sampling(self, k):
        h, w, c = self.shape[-3], self.shape[-2], self.shape[-1]
        self.add("deel-lip>InvertibleDownSampling", "invertible_down_sampling",
                 {"pool_size": [k, k], "data_format": "channels_last"}, [],
                 lambda x: invertible_down_sampling(x, k), [None, h // k, w // k, c * k * k])

    def flatten(self):
        self.add("Flatten", "flatten", {"data_format": "channels_last"}, [],
                 lambda x: x.reshape(x.shape[0], -1), [None, int(np.prod(self.shape[1:]))])

    # --- writing --------------------------------------------------------------------------------------------
    def run(self, x):
        y = x.astype(np.float64)
        for fn in self.forward:
            y = fn(y)
        return y

    def householder(self):
        """deel-lip's Householder activation, which the import does not support (for the refusal test)."""
        c = self.shape[-1]
        self.add("deel-lip>Householder", "householder", {"data_format": "channels_last", "k_coef_lip": 1.0,
                                                           "theta_initializer": None},
                 [("theta", np.full(c // 2, np.pi / 2))], None)

    def write(self, directory, name, batch=5):
        layers = [{"class_name": "InputLayer",
                   "config": {"batch_input_shape": [None] + self.input_shape[1:], "dtype": "float32",
                              "sparse": False, "ragged": False, "name": "input_1"}}]
        layers += [{"class_name": c, "config": cfg} for c, cfg in self.layers]
        model_config = {"class_name": "Sequential", "config": {"name": name, "layers": layers}}
        path = os.path.join(directory, name + ".h5")
        write_h5(path, model_config, [(cfg["name"], self.weights[cfg["name"]]) for _, cfg in self.layers])
        if any(fn is None for fn in self.forward):
            print("wrote %s: %d layers, no reference" % (path, len(self.layers)))
            return
        x = self.random(*([batch] + self.input_shape[1:]))
        np.save(os.path.join(directory, name + "-input.npy"), x)
        np.save(os.path.join(directory, name + "-output.npy"), self.run(x).astype(np.float32))
        print("wrote %s: %d layers, output %s" % (path, len(self.layers), self.run(x).shape))


def dense_model(rng, store_wbar=True):
    m = Model(rng, [None, 12])
    m.spectral_dense(16, store_wbar=store_wbar)
    m.group_sort(2, "GroupSort2", "group_sort2")
    m.spectral_dense(16, store_wbar=store_wbar)
    m.max_min()
    m.spectral_dense(8, store_wbar=store_wbar)
    m.group_sort(None, "FullSort", "full_sort")
    m.frobenius_dense(4, disjoint=False)
    m.group_sort(4)
    m.frobenius_dense(3, disjoint=True)
    return m


def conv_model(rng):
    m = Model(rng, [None, 8, 8, 2])
    m.spectral_conv2d(4)
    m.max_min()
    m.scaled_l2_norm_pooling(2)
    m.frobenius_conv2d(8)
    m.group_sort(4)
    m.spectral_conv2d(8, strides=(2, 2))
    m.group_sort(2, "GroupSort2", "group_sort2")
    m.invertible_down_sampling(2)
    m.flatten()
    m.spectral_dense(10)
    return m


def pooling_model(rng):
    m = Model(rng, [None, 8, 8, 3])
    m.invertible_down_sampling(2)
    m.spectral_conv2d(6)
    m.group_sort(None, "FullSort", "full_sort")
    m.scaled_average_pooling(2)
    m.scaled_global_l2_norm_pooling()
    m.spectral_dense(5)
    return m


def global_average_model(rng):
    m = Model(rng, [None, 6, 6, 4])
    m.spectral_conv2d(4, act="relu")
    m.scaled_global_average_pooling()
    m.frobenius_dense(1)
    return m


def vanilla_model(rng):
    m = Model(rng, [None, 6, 6, 2])
    m.spectral_conv2d(4, vanilla=True)
    m.group_sort(2, "GroupSort2", "group_sort2")
    m.flatten()
    m.spectral_dense(6, vanilla=True)
    m.group_sort(2, "GroupSort2", "group_sort2")
    m.spectral_dense(3, vanilla=True)
    return m


def functional_model(rng, directory, name, batch=5):
    """A Keras functional model: two SpectralDense branches of one input, Concatenate, GroupSort2, SpectralDense."""
    def layer(model, build):
        build(model)
        (cls, cfg), fn = model.layers[-1], model.forward[-1]
        return cls, cfg, model.weights[cfg["name"]], fn

    counts = {}
    a = Model(rng, [None, 8])
    a.counts = counts
    cls_a, cfg_a, w_a, fn_a = layer(a, lambda m: m.spectral_dense(6))
    b = Model(rng, [None, 8])
    b.counts = counts
    cls_b, cfg_b, w_b, fn_b = layer(b, lambda m: m.spectral_dense(6))
    c = Model(rng, [None, 12])
    c.counts = counts
    cls_s, cfg_s, w_s, fn_s = layer(c, lambda m: m.group_sort(2, "GroupSort2", "group_sort2"))
    cls_o, cfg_o, w_o, fn_o = layer(c, lambda m: m.spectral_dense(3))

    def node(cls, cfg, inbound):
        return {"class_name": cls, "config": cfg, "name": cfg["name"],
                "inbound_nodes": [[[i, 0, 0, {}] for i in inbound]] if inbound else []}

    layers = [node("InputLayer", {"batch_input_shape": [None, 8], "dtype": "float32", "sparse": False,
                                  "ragged": False, "name": "input_1"}, []),
              node(cls_a, cfg_a, ["input_1"]), node(cls_b, cfg_b, ["input_1"]),
              node("Concatenate", {"name": "concatenate", "trainable": True, "dtype": "float32", "axis": -1},
                   [cfg_a["name"], cfg_b["name"]]),
              node(cls_s, cfg_s, ["concatenate"]), node(cls_o, cfg_o, [cfg_s["name"]])]
    model_config = {"class_name": "Functional", "config": {"name": name, "layers": layers,
                                                           "input_layers": [["input_1", 0, 0]],
                                                           "output_layers": [[cfg_o["name"], 0, 0]]}}
    weights = {cfg_a["name"]: w_a, cfg_b["name"]: w_b, "concatenate": [], cfg_s["name"]: w_s, cfg_o["name"]: w_o}
    path = os.path.join(directory, name + ".h5")
    write_h5(path, model_config, [("input_1", [])] + list(weights.items()))
    x = (rng.standard_normal((batch, 8))).astype(np.float32)
    y = fn_o(fn_s(np.concatenate([fn_a(x.astype(np.float64)), fn_b(x.astype(np.float64))], axis=-1)))
    np.save(os.path.join(directory, name + "-input.npy"), x)
    np.save(os.path.join(directory, name + "-output.npy"), y.astype(np.float32))
    print("wrote %s: functional, output %s" % (path, y.shape))


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else "."
    os.makedirs(directory, exist_ok=True)
    dense_model(np.random.default_rng(1)).write(directory, "deel-lip-dense")
    dense_model(np.random.default_rng(2), store_wbar=False).write(directory, "deel-lip-dense-recomputed")
    conv_model(np.random.default_rng(3)).write(directory, "deel-lip-conv")
    pooling_model(np.random.default_rng(4)).write(directory, "deel-lip-pooling")
    global_average_model(np.random.default_rng(5)).write(directory, "deel-lip-global-average")
    vanilla_model(np.random.default_rng(6)).write(directory, "deel-lip-vanilla")
    unsupported = Model(np.random.default_rng(7), [None, 6])
    unsupported.spectral_dense(4)
    unsupported.householder()
    unsupported.write(directory, "deel-lip-unsupported")
    functional_model(np.random.default_rng(8), directory, "deel-lip-functional")


if __name__ == "__main__":
    main()
