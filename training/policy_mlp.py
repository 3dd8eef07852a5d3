"""The policy network in PyTorch, and its file in the Swift runtime's layout.

The Swift runtime (Shared/PolicyRuntime: PolicyModel.swift, PolicyArchitecture.swift,
DenseLayer.swift, SafetensorsFile.swift; docs/policy.md "Architecture and file format") reads:
  input.mean, input.std     F32 [features]       x_n = (x - mean) / std
  layers.<i>.weight         F32 [in, out]        row-major: the TRANSPOSE of nn.Linear.weight [out, in]
  layers.<i>.bias           F32 [out]            y = x_n · W + b, activation between layers, none after the last
  output.mean, output.std   F32 [outputs]        raw = z * std + mean
and __metadata__ (all strings): format=workcell-policy-mlp, version, layer_sizes "41,256,256,270",
activation relu|gelu|tanh (gelu = tanh approximation), chunk_steps, step_period_ms, joint_names,
gripper_names (comma-separated), feature_version; other keys are provenance.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

FORMAT = "workcell-policy-mlp"
ACTIVATIONS = ("relu", "gelu", "tanh")


def activation_module(name: str) -> nn.Module:
    if name == "relu":
        return nn.ReLU()
    if name == "gelu":
        return nn.GELU(approximate="tanh")  # the Swift runtime's gelu is the tanh approximation
    if name == "tanh":
        return nn.Tanh()
    raise ValueError(f"activation {name!r} is not one of {ACTIVATIONS}")


class PolicyMLP(nn.Module):
    """Raw features -> raw outputs, with the normalisation stored as buffers (as in the file)."""

    def __init__(self, layer_sizes: list[int], activation: str):
        super().__init__()
        if len(layer_sizes) < 2:
            raise ValueError("layer_sizes needs at least input and output widths")
        self.layer_sizes = list(layer_sizes)
        self.activation_name = activation
        self.layers = nn.ModuleList(nn.Linear(a, b) for a, b in zip(layer_sizes[:-1], layer_sizes[1:]))
        self.activation = activation_module(activation)
        self.register_buffer("input_mean", torch.zeros(layer_sizes[0]))
        self.register_buffer("input_std", torch.ones(layer_sizes[0]))
        self.register_buffer("output_mean", torch.zeros(layer_sizes[-1]))
        self.register_buffer("output_std", torch.ones(layer_sizes[-1]))

    def normalised(self, x_n: torch.Tensor) -> torch.Tensor:
        """Normalised features -> normalised outputs (what the loss compares)."""
        for i, layer in enumerate(self.layers):
            x_n = layer(x_n)
            if i < len(self.layers) - 1:
                x_n = self.activation(x_n)
        return x_n

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        z = self.normalised((x - self.input_mean) / self.input_std)
        return z * self.output_std + self.output_mean


def normalisation(features: np.ndarray, targets: np.ndarray, values_per_step: int):
    """The Swift trainer's normalisation (MLPTrainer.swift): per-feature mean and std (population;
    std <= 1e-6 -> 1); outputs: a mean per output and one scale per value type (joint j, width,
    force) shared across the chunk's steps, so early steps' near-zero deltas are not inflated."""
    x = features.astype(np.float64)
    y = targets.astype(np.float64)
    in_mean, in_std = x.mean(axis=0), x.std(axis=0)
    in_std = np.where(in_std > 1e-6, in_std, 1.0)
    out_mean, out_std = y.mean(axis=0), y.std(axis=0)
    steps = y.shape[1] // values_per_step
    type_std = np.sqrt((out_std.reshape(steps, values_per_step) ** 2).mean(axis=0))
    type_std = np.where(type_std > 1e-6, type_std, 1.0)
    out_scale = np.tile(type_std, steps)
    return tuple(a.astype(np.float32) for a in (in_mean, in_std, out_mean, out_scale))


def initialise(model: PolicyMLP, generator: torch.Generator) -> None:
    """He-normal weights (last layer x 0.1, so training starts near the mean), zero biases."""
    with torch.no_grad():
        last = len(model.layers) - 1
        for i, layer in enumerate(model.layers):
            scale = (2.0 / layer.in_features) ** 0.5 * (0.1 if i == last else 1.0)
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator) * scale)
            layer.bias.zero_()


def swift_tensors(model: PolicyMLP) -> dict[str, np.ndarray]:
    """The tensors in the Swift runtime's names and layout (weights [in, out], row-major)."""
    tensors = {
        "input.mean": model.input_mean, "input.std": model.input_std,
        "output.mean": model.output_mean, "output.std": model.output_std,
    }
    for i, layer in enumerate(model.layers):
        tensors[f"layers.{i}.weight"] = layer.weight.T  # [out, in] -> [in, out]
        tensors[f"layers.{i}.bias"] = layer.bias
    return {k: np.ascontiguousarray(v.detach().cpu().numpy(), dtype="<f4") for k, v in tensors.items()}


def architecture_metadata(model: PolicyMLP, *, version: str, chunk_steps: int, step_period_ms: int,
                          joint_names: list[str], gripper_names: list[str], feature_version: str) -> dict[str, str]:
    """The keys PolicyArchitecture(metadata:) requires, all strings."""
    return {
        "format": FORMAT,
        "version": version,
        "layer_sizes": ",".join(str(s) for s in model.layer_sizes),
        "activation": model.activation_name,
        "chunk_steps": str(chunk_steps),
        "step_period_ms": str(step_period_ms),
        "joint_names": ",".join(joint_names),
        "gripper_names": ",".join(gripper_names),
        "feature_version": feature_version,
    }


def save(model: PolicyMLP, path: str, metadata: dict[str, str], expected_format: str = FORMAT) -> None:
    """Writes the model as the Swift runtime reads it (safetensors, F32, __metadata__ strings);
    the tactile refinement (train_tactile.py, format workcell-tactile-mlp) is the same network.

    The safetensors library writes `__metadata__` in hash order, different on every run; the header
    is rewritten with the keys sorted (same tensors, offsets and data), so the same weights give the
    same bytes and the same SHA-256 (the policy service lists models by it)."""
    import json
    import struct

    from safetensors.numpy import save

    if metadata.get("format") != expected_format:
        raise ValueError(f"metadata must name format {expected_format!r} (architecture_metadata() for a policy)")
    data = save(swift_tensors(model), metadata={k: str(v) for k, v in metadata.items()})
    (length,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + length])
    ordered = {"__metadata__": dict(sorted(header.pop("__metadata__").items()))}
    ordered.update(sorted(header.items()))
    text = json.dumps(ordered, separators=(",", ":"), ensure_ascii=False).encode()
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + data[8 + length:])


def load(path: str, expected_format: str = FORMAT) -> tuple[PolicyMLP, dict[str, str]]:
    """A model file in the Swift layout, back into PyTorch (and its metadata)."""
    from safetensors import safe_open

    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata() or {}
        if metadata.get("format") != expected_format:
            raise ValueError(f"{path}: __metadata__ format is {metadata.get('format')!r}, expected {expected_format!r}")
        sizes = [int(s) for s in metadata["layer_sizes"].split(",")]
        model = PolicyMLP(sizes, metadata["activation"])
        with torch.no_grad():
            for i, layer in enumerate(model.layers):
                weight = f.get_tensor(f"layers.{i}.weight")
                if list(weight.shape) != [sizes[i], sizes[i + 1]]:
                    raise ValueError(f"{path}: layers.{i}.weight has shape {list(weight.shape)}, "
                                     f"expected [in, out] = {[sizes[i], sizes[i + 1]]}")
                layer.weight.copy_(torch.from_numpy(weight.T.copy()))
                layer.bias.copy_(torch.from_numpy(f.get_tensor(f"layers.{i}.bias")))
            for name in ("input.mean", "input.std", "output.mean", "output.std"):
                getattr(model, name.replace(".", "_")).copy_(torch.from_numpy(f.get_tensor(name)))
    return model, metadata
