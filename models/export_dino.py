#!/usr/bin/env python3
"""Export an official DINO checkpoint (.pth) straight to a prepared ONNX model for
dino-track: outputs `cls_attn` [B, heads, h*w] and `patch_tokens` [B, h*w, D] at one
input size, position embeddings resized the way DINO does. For users who have PyTorch;
dino-track itself never needs it (it prepares official-style ONNX files on its own).

  python3 models/export_dino.py --arch vit_small --patch 16 \\
      --checkpoint dino_deitsmall16_pretrain.pth --size 480x848 -o dino-vits16-480x848.onnx

Checkpoints: the backbone files (dino_deitsmall16_pretrain.pth, ...) or full training
checkpoints (the `teacher` weights are used). `--random` exports random weights, for tests.
"""
import argparse
import inspect
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from dino_vit import ARCHITECTURES, DinoViT, TrackingHead, load_checkpoint  # noqa: E402


def parse_size(text):
    try:
        height, width = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected HEIGHTxWIDTH (e.g. 480x848), got {text!r}")
    return height, width


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--arch", choices=sorted(ARCHITECTURES), default="vit_small")
    parser.add_argument("--patch", type=int, choices=[8, 16], default=16)
    parser.add_argument("--checkpoint", help="official DINO .pth file")
    parser.add_argument("--random", action="store_true", help="random weights instead of a checkpoint (tests)")
    parser.add_argument("--dim", type=int, help="override the width (with --random)")
    parser.add_argument("--depth", type=int, help="override the depth (with --random)")
    parser.add_argument("--heads", type=int, help="override the head count (with --random)")
    parser.add_argument("--size", type=parse_size, required=True, help="input HEIGHTxWIDTH, multiples of the patch size")
    parser.add_argument("--fp16", action="store_true", help="half precision (needs a CUDA device to trace)")
    parser.add_argument("--opset", type=int, default=13)
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()

    if not args.checkpoint and not args.random:
        parser.error("give --checkpoint FILE.pth, or --random for random weights")
    height, width = args.size
    if height % args.patch or width % args.patch:
        parser.error(f"--size {height}x{width} is not a multiple of the patch size {args.patch}")
    dim, depth, heads = ARCHITECTURES[args.arch]
    dim, depth, heads = args.dim or dim, args.depth or depth, args.heads or heads
    model = DinoViT(patch=args.patch, dim=dim, depth=depth, heads=heads)
    if args.checkpoint:
        load_checkpoint(model, args.checkpoint)
    else:
        torch.manual_seed(0)
        with torch.no_grad():
            for param in model.parameters():
                param.normal_(0, 0.2)
    model.eval().fix_grid(height // args.patch, width // args.patch)
    head = TrackingHead(model)
    dummy = torch.randn(1, 3, height, width)
    if args.fp16:
        if not torch.cuda.is_available():
            sys.exit("export_dino.py: --fp16 needs a CUDA device (PyTorch cannot trace half precision on the CPU)")
        head, dummy = head.half().cuda(), dummy.half().cuda()
    temp = args.output + ".partial"
    # torch >= 2.9 exports with dynamo by default: IR 10 and opset 18 whatever --opset says,
    # which dino-track cannot re-encode (models quantize/prepare). The TorchScript exporter
    # honours --opset and writes IR 8 as older torch did.
    legacy = {"dynamo": False} if "dynamo" in inspect.signature(torch.onnx.export).parameters else {}
    torch.onnx.export(
        head, dummy, temp, opset_version=args.opset, input_names=["input"], output_names=["cls_attn", "patch_tokens"],
        dynamic_axes={"input": {0: "batch"}, "cls_attn": {0: "batch"}, "patch_tokens": {0: "batch"}}, do_constant_folding=True, **legacy,
    )
    os.replace(temp, args.output)
    print(f"wrote {args.output}: {args.arch}/{args.patch} D={dim} depth={depth} heads={heads}, input {height}x{width}")


if __name__ == "__main__":
    main()
