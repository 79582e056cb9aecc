"""Walking a page sentence by sentence, with the question each sentence may answer, so
that "Do you offer Spravato? — No." is read as a "no" about Spravato."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .document import MAIN, Block, Document
from .language import is_question, split_sentences, strip_qa_prefix


@dataclass
class Sentence:
    text: str  # without a leading "Q:" / "A:"
    raw: str
    block: Block
    question: bool
    answers: str | None  # the question this sentence directly answers, if any


def sentences(doc: Document, regions: tuple[str, ...] = (MAIN,)) -> list[Sentence]:
    """The page's sentences in the given regions, read once per page and shared by the extractors."""
    cache = doc.cache.setdefault("sentences", {})
    if regions not in cache:
        cache[regions] = list(_sentences(doc, regions))
    return cache[regions]


def _sentences(doc: Document, regions: tuple[str, ...]) -> Iterator[Sentence]:
    pending_question: str | None = None
    blocks_since_question = 0
    for block in doc.blocks:
        if block.region not in regions:
            continue
        first_in_block = True
        for raw in split_sentences(block.text):
            text = strip_qa_prefix(raw)
            question = is_question(raw)
            answers = None
            if question:
                pending_question = text
                blocks_since_question = 0
            elif pending_question is not None and (first_in_block or blocks_since_question == 0):
                answers = pending_question
                pending_question = None
            yield Sentence(text=text, raw=raw, block=block, question=question, answers=answers)
            first_in_block = False
        if pending_question is not None:
            blocks_since_question += 1
            if blocks_since_question > 2:
                pending_question = None
