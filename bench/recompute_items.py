"""Recomputes every option's log-probability in an `eval model --items` file with Hugging Face
transformers (fp32, CPU) and compares it with the file's figure and predicted option.

    python bench/recompute_items.py models/default items.jsonl

Needs torch and transformers (outside the project: a venv under /tmp). Prints the largest
absolute difference, how many options differ by more than 1e-3, and how many predictions differ.
"""
import json
import sys

import torch
from transformers import LlamaForCausalLM


def main(model_dir, items_path):
    model = LlamaForCausalLM.from_pretrained(model_dir, torch_dtype=torch.float32)
    model.eval()
    worst, over, options, items, mismatched = 0.0, 0, 0, 0, 0
    with open(items_path, encoding="utf-8") as f, torch.no_grad():
        for line in f:
            item = json.loads(line)
            best, best_lp = None, None
            for option in item["options"]:
                ids = option["context"] + option["continuation"]
                logits = model(torch.tensor([ids])).logits[0].float()
                logp = torch.log_softmax(logits, dim=-1)
                start = len(option["context"])
                lp = sum(logp[start + j - 1, t].item() for j, t in enumerate(option["continuation"]))
                diff = abs(lp - option["logprob"])
                worst = max(worst, diff)
                over += diff > 1e-3
                options += 1
                if best_lp is None or lp > best_lp:
                    best, best_lp = option["label"], lp
            items += 1
            mismatched += best != item["predicted"]
    print(f"items {items}, options {options}, max |diff| {worst:.2e}, options over 1e-3: {over}, "
          f"predictions that differ: {mismatched}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
