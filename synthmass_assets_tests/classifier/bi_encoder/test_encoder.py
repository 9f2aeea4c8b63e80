"""Encoding without gradients: a text's encoding does not depend on the texts batched with it."""

from __future__ import annotations

import numpy as np
import pytest

from synthmass_assets.classifier.bi_encoder import encoder as enc
from synthmass_assets.classifier.settings import PairClassifierSettings

TEXTS = [
    "Hypertension since 2004; lisinopril 10 mg since 2005; penicillin allergy",
    "HTN, Zestril",
    "Type II diabetes mellitus without complications; metformin 500 mg tab",
    "I10 Essential (primary) hypertension",
    "Check-up 2019-03-04, height 172 cm, weight 81 kg, BP 128/84",
    "no known allergies",
    "Acute bronchitis (disorder) 2011; amoxicillin 250 mg; influenza vaccine 2012, 2013",
]


@pytest.mark.parametrize("int8", [True, False])
def test_encoding_is_the_same_in_any_batch(int8: bool) -> None:
    settings = PairClassifierSettings()
    tokenizer = enc.load_tokenizer(settings)
    model = enc.inference_copy(enc.load_base_encoder(settings), int8)
    ids = enc.tokenize(tokenizer, TEXTS, 32)
    pad = int(tokenizer.pad_token_id or 0)
    together = enc.encode_token_ids(model, ids, pad, batch_size=8)
    alone = np.concatenate([enc.encode_token_ids(model, [row], pad, 1) for row in ids])
    reordered = enc.encode_token_ids(model, ids[::-1] + ids[:2], pad, batch_size=3)
    assert together.shape == (len(TEXTS), 384)
    # int8 is exact (integer GEMM); float32 BLAS may block a batch of other size differently
    tolerance = 0.0 if int8 else 1e-5
    np.testing.assert_allclose(together, alone, rtol=0, atol=tolerance)
    np.testing.assert_allclose(reordered[: len(TEXTS)][::-1], together, rtol=0, atol=tolerance)
    # and the encodings still read meaning: hypertension in two wordings beats bronchitis
    cosine = together @ together.T
    assert cosine[0, 3] > cosine[0, 6]
