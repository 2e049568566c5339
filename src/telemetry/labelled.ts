import type { Counter, Histogram } from 'prom-client';

/**
 * prom-client resolves `labels(...)` by hashing the label values on every call; a request records up to a dozen
 * series, so each metric keeps its children in a map keyed by the joined values and resolves a label set once
 * (STYLE §8: label children are created once). The key joins with NUL, which no label value carries.
 */
abstract class Children<C> {
  readonly #children = new Map<string, C>();

  protected child(values: string[]): C {
    const key = values.length === 1 ? (values[0] as string) : values.join('\0');
    let child = this.#children.get(key);
    if (child === undefined) {
      child = this.create(values);
      this.#children.set(key, child);
    }
    return child;
  }

  protected abstract create(values: string[]): C;
}

export class LabelledCounter extends Children<Counter.Internal> {
  readonly #metric: Counter;

  constructor(metric: Counter) {
    super();
    this.#metric = metric;
  }

  protected create(values: string[]): Counter.Internal {
    return this.#metric.labels(...values);
  }

  inc(values: string[], amount = 1): void {
    this.child(values).inc(amount);
  }
}

export class LabelledHistogram extends Children<Histogram.Internal<string>> {
  readonly #metric: Histogram;

  constructor(metric: Histogram) {
    super();
    this.#metric = metric;
  }

  protected create(values: string[]): Histogram.Internal<string> {
    return this.#metric.labels(...values);
  }

  observe(values: string[], value: number): void {
    this.child(values).observe(value);
  }
}
