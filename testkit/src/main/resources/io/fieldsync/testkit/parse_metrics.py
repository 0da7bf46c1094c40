# Parses a Prometheus text exposition with the Prometheus Python client's parser and prints every
# sample as one JSON list: [{"family", "type", "name", "labels", "value"}].
import json
import sys

from prometheus_client.parser import text_string_to_metric_families

samples = []
with open(sys.argv[1], encoding="utf-8") as text:
    for family in text_string_to_metric_families(text.read()):
        for sample in family.samples:
            samples.append(
                {
                    "family": family.name,
                    "type": family.type,
                    "name": sample.name,
                    "labels": sample.labels,
                    "value": sample.value,
                }
            )
json.dump(samples, sys.stdout)
