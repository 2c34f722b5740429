"""TFLite metadata writer/reader for the image input's normalisation.

MediaPipe Tasks takes each model's input scaling from its TFLite metadata; bare models from
the registry packages lack it (or carry another one). mediapipe's own metadata writer needs a
native module the wheel does not ship, but its generated flatbuffer schema modules are pure
Python, so the metadata is built from those directly.
"""

from __future__ import annotations

import flatbuffers
import numpy as np
from mediapipe.tasks.metadata import metadata_schema_py_generated as mfb
from mediapipe.tasks.metadata import schema_py_generated as sfb

from formcheck.pose.models.bundle import MODEL_IDENTIFIER, is_tflite

METADATA_NAME = "TFLITE_METADATA"
METADATA_IDENTIFIER = b"M001"


def _name(value: bytes | str | None) -> str:
    return value.decode() if isinstance(value, bytes) else (value or "")


def _input_metadata(mean: float, std: float) -> mfb.TensorMetadataT:
    norm = mfb.NormalizationOptionsT()
    norm.mean, norm.std = [float(mean)], [float(std)]
    unit = mfb.ProcessUnitT()
    unit.optionsType = mfb.ProcessUnitOptions.NormalizationOptions
    unit.options = norm
    image = mfb.ImagePropertiesT()
    image.colorSpace = mfb.ColorSpaceType.RGB
    content = mfb.ContentT()
    content.contentPropertiesType = mfb.ContentProperties.ImageProperties
    content.contentProperties = image
    tensor = mfb.TensorMetadataT()
    tensor.name, tensor.content, tensor.processUnits = "image", content, [unit]
    return tensor


def _metadata_bytes(model: sfb.ModelT, mean: float, std: float, name: str) -> bytes:
    graph = model.subgraphs[0]
    outputs = []
    for index in graph.outputs:
        tensor = mfb.TensorMetadataT()
        tensor.name = _name(graph.tensors[index].name)
        outputs.append(tensor)
    subgraph = mfb.SubGraphMetadataT()
    subgraph.inputTensorMetadata = [_input_metadata(mean, std)]
    subgraph.outputTensorMetadata = outputs
    meta = mfb.ModelMetadataT()
    meta.name, meta.version, meta.minParserVersion = name, "1", "1.0.0"
    meta.subgraphMetadata = [subgraph]
    builder = flatbuffers.Builder(0)
    builder.Finish(meta.Pack(builder), file_identifier=METADATA_IDENTIFIER)
    return bytes(builder.Output())


def add_image_metadata(model_bytes: bytes, mean: float, std: float, name: str) -> bytes:
    """Return `model_bytes` with metadata declaring an RGB image input scaled (x - mean) / std.

    Any existing TFLITE_METADATA entry is replaced (its buffer stays, unreferenced).
    """
    if not is_tflite(model_bytes):
        raise ValueError(f"{name}: not a TFLite model")
    model = sfb.ModelT.InitFromObj(sfb.Model.GetRootAs(model_bytes, 0))
    buffer = sfb.BufferT()
    buffer.data = np.frombuffer(_metadata_bytes(model, mean, std, name), dtype=np.uint8)
    model.buffers.append(buffer)
    entry = sfb.MetadataT()
    entry.name, entry.buffer = METADATA_NAME, len(model.buffers) - 1
    kept = [m for m in (model.metadata or []) if _name(m.name) != METADATA_NAME]
    model.metadata = kept + [entry]
    builder = flatbuffers.Builder(0)
    builder.Finish(model.Pack(builder), file_identifier=MODEL_IDENTIFIER)
    return bytes(builder.Output())


def read_normalization(model_bytes: bytes) -> tuple[float, float] | None:
    """(mean, std) declared for the first input tensor, or None if there is no such metadata."""
    model = sfb.Model.GetRootAs(model_bytes, 0)
    for i in range(model.MetadataLength()):
        entry = model.Metadata(i)
        if _name(entry.Name()) != METADATA_NAME:
            continue
        data = model.Buffers(entry.Buffer()).DataAsNumpy().tobytes()
        meta = mfb.ModelMetadataT.InitFromObj(mfb.ModelMetadata.GetRootAs(data, 0))
        for unit in meta.subgraphMetadata[0].inputTensorMetadata[0].processUnits or []:
            if unit.optionsType == mfb.ProcessUnitOptions.NormalizationOptions:
                return float(unit.options.mean[0]), float(unit.options.std[0])
    return None
