"""Two processes on CPU with the gloo backend: DistributedDataParallel training stays in sync."""

import os
import socket

import torch
import torch.distributed as dist
import torch.multiprocessing as mp


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _worker(rank: int, world: int, port: int, out: str) -> None:
    os.environ.update(
        {
            "MASTER_ADDR": "127.0.0.1",
            "MASTER_PORT": str(port),
            "WORLD_SIZE": str(world),
            "RANK": str(rank),
            "LOCAL_RANK": str(rank),
        }
    )
    dist.init_process_group(
        "gloo", init_method=f"tcp://127.0.0.1:{port}", rank=rank, world_size=world
    )
    from training.train import TrainConfig, train

    cfg = TrainConfig(
        out=out,
        data="synthetic",
        encoder="tiny",
        classes=["liver", "spleen"],
        steps=2,
        batch=2,
        lad=True,
        intervention=True,
        log_every=1,
        ckpt_every=100,
    )
    model = train(cfg)
    flat = torch.cat([p.detach().flatten() for p in model.parameters() if p.requires_grad])
    gathered = [torch.zeros_like(flat) for _ in range(world)]
    dist.all_gather(gathered, flat)
    if rank == 0:
        torch.save(gathered, os.path.join(out, "params.pt"))
    dist.destroy_process_group()


def test_two_process_gloo(tmp_path) -> None:
    mp.spawn(_worker, args=(2, _free_port(), str(tmp_path)), nprocs=2, join=True)
    a, b = torch.load(tmp_path / "params.pt")
    assert torch.allclose(a, b)  # gradients were averaged: replicas are identical
    init = torch.load(tmp_path / "final.pt")["model"]
    assert not torch.equal(init["mask_decoder.class_queries.weight"], torch.zeros(1))
