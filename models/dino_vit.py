"""Our own PyTorch implementation of the DINO vision transformer (Caron et al. 2021).

Same parameter names as the official checkpoints (patch_embed.proj, cls_token, pos_embed,
blocks.N.{norm1,attn.qkv,attn.proj,norm2,mlp.fc1,mlp.fc2}, norm), so `load_state_dict`
takes the official `.pth` files. Written from the paper's architecture description; the
position-embedding interpolation follows DINO's published rule (bicubic, scale factor
computed from grid + 0.1) because prepared ONNX models must reproduce it bit for bit.
"""
import argparse
import math

import torch
from torch import nn
import torch.nn.functional as F

ARCHITECTURES = {
    # name: (embed dim, depth, heads)
    "vit_small": (384, 12, 6),
    "vit_base": (768, 12, 12),
}


class SelfAttention(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.scale = (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, dim * 3, bias=True)
        self.proj = nn.Linear(dim, dim)

    def forward(self, x):
        batch, tokens, dim = x.shape
        # [3, B, heads, N, dim/heads]
        qkv = self.qkv(x).reshape(batch, tokens, 3, self.heads, dim // self.heads).permute(2, 0, 3, 1, 4)
        q, k, v = qkv[0], qkv[1], qkv[2]
        attn = ((q @ k.transpose(-2, -1)) * self.scale).softmax(dim=-1)  # [B, heads, N, N]
        out = (attn @ v).transpose(1, 2).reshape(batch, tokens, dim)  # [B, N, D]
        return self.proj(out), attn


class Mlp(nn.Module):
    def __init__(self, dim, hidden):
        super().__init__()
        self.fc1 = nn.Linear(dim, hidden)
        self.act = nn.GELU()
        self.fc2 = nn.Linear(hidden, dim)

    def forward(self, x):
        return self.fc2(self.act(self.fc1(x)))


class Block(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim, eps=1e-6)
        self.attn = SelfAttention(dim, heads)
        self.norm2 = nn.LayerNorm(dim, eps=1e-6)
        self.mlp = Mlp(dim, dim * 4)

    def forward(self, x):
        y, attn = self.attn(self.norm1(x))
        x = x + y
        x = x + self.mlp(self.norm2(x))
        return x, attn


class PatchEmbed(nn.Module):
    def __init__(self, patch, dim):
        super().__init__()
        self.proj = nn.Conv2d(3, dim, kernel_size=patch, stride=patch)

    def forward(self, x):
        return self.proj(x).flatten(2).transpose(1, 2)  # [B, h*w, D]


class DinoViT(nn.Module):
    def __init__(self, patch=16, dim=384, depth=12, heads=6, train_size=224):
        super().__init__()
        self.patch = patch
        self.patch_embed = PatchEmbed(patch, dim)
        grid = train_size // patch
        self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
        self.pos_embed = nn.Parameter(torch.zeros(1, grid * grid + 1, dim))
        self.blocks = nn.ModuleList([Block(dim, heads) for _ in range(depth)])
        self.norm = nn.LayerNorm(dim, eps=1e-6)
        self.fixed_grid = None

    def fix_grid(self, rows, cols):
        """Computes the resized embedding once, so an ONNX export holds it as a constant
        (torch 1.13 cannot export bicubic resizing by scale factor)."""
        with torch.no_grad():
            self.fixed_grid = ((rows, cols), self.position_embedding(rows, cols).clone())
        return self

    def position_embedding(self, rows, cols):
        """[1, 1 + rows*cols, D]: the trained grid, bicubically resized when it differs."""
        if self.fixed_grid is not None and self.fixed_grid[0] == (rows, cols):
            return self.fixed_grid[1]
        trained = self.pos_embed.shape[1] - 1
        side = int(math.sqrt(trained))
        if rows * cols == trained and rows == cols:
            return self.pos_embed
        dim = self.pos_embed.shape[-1]
        grid = self.pos_embed[:, 1:].reshape(1, side, side, dim).permute(0, 3, 1, 2)  # [1, D, side, side]
        # The +0.1 and the scale-factor form (not an output size) are what the published
        # checkpoints were evaluated with; prepared ONNX models reproduce exactly this.
        resized = F.interpolate(grid, scale_factor=((rows + 0.1) / side, (cols + 0.1) / side), mode="bicubic")
        assert resized.shape[-2:] == (rows, cols)
        resized = resized.permute(0, 2, 3, 1).reshape(1, rows * cols, dim)  # [1, rows*cols, D]
        return torch.cat((self.pos_embed[:, :1], resized), dim=1)

    def tokens(self, images):
        batch, _, height, width = images.shape
        x = self.patch_embed(images)
        x = torch.cat((self.cls_token.expand(batch, -1, -1), x), dim=1)  # [B, 1 + h*w, D]
        return x + self.position_embedding(height // self.patch, width // self.patch)

    def forward(self, images):
        """The official export's only output: the normalised CLS embedding [B, D]."""
        x = self.tokens(images)
        for block in self.blocks:
            x, _ = block(x)
        return self.norm(x)[:, 0]

    def tracking_outputs(self, images):
        """cls_attn [B, heads, h*w] of the last block and patch_tokens [B, h*w, D]."""
        x = self.tokens(images)
        attn = None
        for block in self.blocks:
            x, attn = block(x)
        x = self.norm(x)
        return attn[:, :, 0, 1:], x[:, 1:]


class TrackingHead(nn.Module):
    """Wraps a DinoViT so that ONNX export sees the two tracking outputs."""

    def __init__(self, vit):
        super().__init__()
        self.vit = vit

    def forward(self, images):
        return self.vit.tracking_outputs(images)


def read_checkpoint(path):
    """The objects in a `.pth`, read as weights only where torch can (nothing in it runs).

    A full training checkpoint (main_dino.py's) also holds its command line as an
    argparse.Namespace, which torch >= 2.6 refuses to read by default ("Unsupported global:
    GLOBAL argparse.Namespace", a first-time user's trial): it is allowed by name. Older torch
    has no allow-list and reads checkpoints whole by default.
    """
    allow = getattr(torch.serialization, "add_safe_globals", None)
    if allow is None:
        return torch.load(path, map_location="cpu")
    allow([argparse.Namespace])
    return torch.load(path, map_location="cpu", weights_only=True)


def load_checkpoint(model, path):
    """Loads an official DINO `.pth`: a plain backbone, or a full checkpoint's teacher."""
    state = read_checkpoint(path)
    for key in ("teacher", "student", "state_dict", "model"):
        if isinstance(state, dict) and key in state and isinstance(state[key], dict):
            state = state[key]
            break
    state = {k.replace("module.", "").replace("backbone.", ""): v for k, v in state.items()}
    state = {k: v for k, v in state.items() if not k.startswith("head.")}
    model.load_state_dict(state, strict=True)
    return model
