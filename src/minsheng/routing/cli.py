"""`minsheng router …`: train a routing model from labelled requests, and evaluate one.

    minsheng router train FILE… --out MODEL [--seed N] [--config DIR]
    minsheng router train --from-db [FILE…] --out MODEL
    minsheng router eval FILE [--model PATH] [--config DIR]
    minsheng router run [--poll SECONDS]

FILE is JSONL in the shape of the shipped examples, or CSV with text,label columns in any
taxonomy. `--from-db` adds the platform's own history: closed cases under the category people
finally chose, and open cases a dispatcher re-categorised. Labels of another taxonomy are learnt
with the installed city model's judgement as one more signal (`--no-domain` turns it off; see
routing.model.domain_model). `eval` prints one JSON object. `run` is the background router as a
process of its own (MINSHENG_ROUTING_IN_PROCESS=false on the app processes; `minsheng serve
--workers N` starts one by itself).
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import typer

from minsheng.directory.config import CityConfig, ConfigError, demo_config_dir, load_city_config
from minsheng.routing.assign import load_rules
from minsheng.routing.datasets import DatasetError, Example, read_examples
from minsheng.routing.evaluate import evaluate
from minsheng.routing.model import ModelFormatError, RouterModel, default_model_path, train
from minsheng.routing.router import Router

router_app = typer.Typer(help="智能派单模型：训练与评估", no_args_is_help=True)

CONFIG_HELP = "城市配置目录（默认：内置平湖配置）"


def _config(directory: Path | None) -> CityConfig:
    try:
        return load_city_config(directory or demo_config_dir())
    except ConfigError as exc:
        typer.echo(f"配置错误: {exc}", err=True)
        raise typer.Exit(2) from exc


def _from_db(config: Path | None) -> tuple[list[Example], CityConfig]:
    """Closed cases and dispatcher overrides from the configured database, and its city."""
    from minsheng.db import get_db
    from minsheng.routing.cityconfig import city_config_from_db
    from minsheng.routing.feedback import examples_from_db

    with get_db().read_session() as session:
        examples = examples_from_db(session)
        cfg = _config(config) if config else city_config_from_db(session)
    if cfg is None:
        typer.echo("数据库中没有城市配置，请先 minsheng load-config", err=True)
        raise typer.Exit(2)
    return examples, cfg


@router_app.command("train")
def train_command(
    files: list[Path] = typer.Argument(None, help="标注样本：JSONL（示例格式）或 CSV（text,label）"),
    out: Path = typer.Option(..., "--out", help="模型输出文件"),
    from_db: bool = typer.Option(False, "--from-db", help="用数据库中已办结案件（最终类别）和派单员改派记录训练"),
    seed: int = typer.Option(0, help="随机种子（同一数据同一种子结果相同）"),
    config: Path | None = typer.Option(None, help=CONFIG_HELP),
    embeddings: bool = typer.Option(True, help="使用多语言句向量（关闭则只用词和字 n-gram）"),
    domain: bool = typer.Option(True, help="自定义分类时以本市派单模型的判断为一组特征（权重由交叉验证决定）"),
) -> None:
    """从标注样本（或 --from-db：平台自己的办理记录）训练派单模型。"""
    files = list(files or [])
    if not files and not from_db:
        typer.echo("请给出样本文件，或使用 --from-db", err=True)
        raise typer.Exit(2)
    examples: list[Example] = []
    sources = [str(f) for f in files]
    try:
        if files:
            examples, _kind = read_examples(files)
    except (DatasetError, OSError) as exc:
        typer.echo(f"数据错误: {exc}", err=True)
        raise typer.Exit(2) from exc
    if from_db:
        db_examples, cfg = _from_db(config)
        examples += db_examples
        sources.append(f"database: {len(db_examples)} cases")
    else:
        cfg = _config(config)
    if len({e.label for e in examples}) < 2:
        typer.echo(f"样本不足：{len(examples)} 条，至少需要两个类别", err=True)
        raise typer.Exit(2)
    start = time.perf_counter()
    model = train(examples, cfg, seed=seed, use_embeddings=embeddings, sources=sources, use_domain=domain)
    path = model.save(out)
    typer.echo(json.dumps({
        "model": str(path), "version": model.version, "examples": len(examples),
        "classes": len(model.classifier.classes_), "taxonomy": model.metadata["taxonomy"],
        "seconds": round(time.perf_counter() - start, 2),
    }, ensure_ascii=False))


@router_app.command("eval")
def eval_command(
    file: Path = typer.Argument(..., help="评估样本：JSONL（示例格式）或 CSV（text,label）"),
    model: Path | None = typer.Option(None, "--model", help="模型文件（默认：内置平湖模型）"),
    config: Path | None = typer.Option(None, help=CONFIG_HELP),
) -> None:
    """评估派单模型，输出一个 JSON 对象。"""
    cfg = _config(config)
    try:
        examples, _kind = read_examples([file])
        router_model = RouterModel.load(model or default_model_path())
    except (DatasetError, ModelFormatError, OSError) as exc:
        typer.echo(f"错误: {exc}", err=True)
        raise typer.Exit(2) from exc
    router = None
    if router_model.metadata.get("taxonomy") == "config":
        router = Router(cfg, router_model, load_rules(config or demo_config_dir()))
    result = evaluate(examples, router_model, router)
    if result["seen_in_training"]:
        typer.echo(f"注意: {result['seen_in_training']} 条评估样本出现在该模型的训练数据中", err=True)
    json.dump(result, sys.stdout, ensure_ascii=False)
    sys.stdout.write("\n")


@router_app.command("run")
def run_command(poll: float = typer.Option(0.1, "--poll", help="无新案件通知时的轮询间隔（秒）")) -> None:
    """后台派单进程：对新受理案件运行完整模型、补全分类与属地并自动派单。

    app 进程请设 MINSHENG_ROUTING_IN_PROCESS=false（minsheng serve --workers N 会自行启动本进程）。"""
    import logging

    from minsheng.routing.refiner import serve_forever

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    raise typer.Exit(serve_forever(poll_seconds=poll))
