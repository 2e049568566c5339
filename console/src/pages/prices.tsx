/**
 * @module The price part of the LLM page: the table cost budgets are charged by, with each row's source, and a
 * dialog that sets a model's price (over a config or default row) or edits an admin one. Offered only to a role that
 * may (`admin.prices.write`); the API enforces it regardless.
 */
import { useState } from 'preact/hooks';
import { type Answer, api, type BodyOf, must } from '../api.ts';
import { ActionForm, Dialog, ErrorNote, Field, type Loaded, Section, Table } from '../ui.tsx';

export type Price = Answer<'admin.llm.prices.list'>['data'][number];
type PriceBody = BodyOf<'admin.llm.prices.set'>;

const DATE_SUFFIX = /-(?:\d{8}|\d{4}-\d{2}-\d{2})$/;

/** The row a model is charged by: its own, else its undated family's (as the gateway looks it up). */
export function priceFor(prices: readonly Price[], model: string): Price | null {
  return (
    prices.find((row) => row.model === model) ??
    prices.find((row) => row.model === model.replace(DATE_SUFFIX, '')) ??
    null
  );
}

export function describePrice(price: Price | null): string {
  return price === null ? 'unpriced' : `in ${price.input} / out ${price.output}`;
}

function sourceOf(price: Price): string {
  return price.overrides === null ? price.source : `${price.source} (over ${price.overrides})`;
}

/** Empty is "not set" (the fallback rate applies); anything else goes to the API as typed, which validates it. */
function rate(text: string): number | undefined {
  return text.trim() === '' ? undefined : Number(text);
}

/** An optional rate pre-filled only when it differs from its fallback, so saving keeps a fallback a fallback. */
function own(value: number, fallback: number): string {
  return value === fallback ? '' : String(value);
}

function PriceForm(props: { existing: Price | null; onClose(): void; onSaved(): void }) {
  const existing = props.existing;
  const [model, setModel] = useState(existing?.model ?? '');
  const [input, setInput] = useState(existing ? String(existing.input) : '');
  const [output, setOutput] = useState(existing ? String(existing.output) : '');
  const [cacheRead, setCacheRead] = useState(existing ? own(existing.cache_read, existing.input) : '');
  const [cacheWrite, setCacheWrite] = useState(existing ? own(existing.cache_write, existing.input) : '');
  const [reasoning, setReasoning] = useState(existing ? own(existing.reasoning, existing.output) : '');
  const title = existing ? `Price of ${existing.model}` : 'Set a model price';
  return (
    <Dialog title={title} onClose={props.onClose}>
      <ActionForm
        submit="Save price"
        action={async () => {
          const body: PriceBody = { input: rate(input) ?? Number.NaN, output: rate(output) ?? Number.NaN };
          const optional: Array<[keyof PriceBody, number | undefined]> = [
            ['cache_read', rate(cacheRead)],
            ['cache_write', rate(cacheWrite)],
            ['reasoning', rate(reasoning)],
          ];
          for (const [field, value] of optional) if (value !== undefined) body[field] = value;
          await must(api.PUT('/admin/v1/llm/prices/{model}', { params: { path: { model } }, body }));
          props.onSaved();
          props.onClose();
        }}
      >
        {existing ? null : (
          <Field
            label="Model"
            name="price-model"
            value={model}
            onInput={setModel}
            required
            hint="The public model name clients send"
          />
        )}
        <p class="muted">USD per million tokens.</p>
        <Field label="Input" name="price-input" type="number" value={input} onInput={setInput} required />
        <Field label="Output" name="price-output" type="number" value={output} onInput={setOutput} required />
        <Field
          label="Cache read"
          name="price-cache-read"
          type="number"
          value={cacheRead}
          onInput={setCacheRead}
          hint="Empty: the input rate"
        />
        <Field
          label="Cache write"
          name="price-cache-write"
          type="number"
          value={cacheWrite}
          onInput={setCacheWrite}
          hint="Empty: the input rate"
        />
        <Field
          label="Reasoning"
          name="price-reasoning"
          type="number"
          value={reasoning}
          onInput={setReasoning}
          hint="Empty: the output rate"
        />
      </ActionForm>
    </Dialog>
  );
}

export function PricesSection(props: { prices: Loaded<Price[]>; mayWrite: boolean }) {
  const [open, setOpen] = useState<{ value: Price | null } | null>(null);
  const [error, setError] = useState<unknown>(null);
  const remove = async (model: string) => {
    setError(null);
    try {
      await must(api.DELETE('/admin/v1/llm/prices/{model}', { params: { path: { model } } }));
      props.prices.reload();
    } catch (caught) {
      setError(caught);
    }
  };
  const usd = (value: number) => String(value);
  return (
    <Section
      title="Model prices"
      actions={
        props.mayWrite ? (
          <button type="button" class="primary" onClick={() => setOpen({ value: null })}>
            Set a price
          </button>
        ) : null
      }
    >
      <p class="muted">
        USD per million tokens; what cost budgets and the usage report charge. Built-in defaults are indicative: check
        them against the provider's current price page.
      </p>
      <ErrorNote error={props.prices.error ?? error} />
      <Table
        caption="Prices per model"
        rows={props.prices.data}
        empty="No model is priced: every call counts as unpriced."
        columns={[
          { label: 'Model', cell: (p) => <code>{p.model}</code> },
          { label: 'Input', cell: (p) => usd(p.input), numeric: true },
          { label: 'Output', cell: (p) => usd(p.output), numeric: true },
          { label: 'Cache read', cell: (p) => usd(p.cache_read), numeric: true },
          { label: 'Cache write', cell: (p) => usd(p.cache_write), numeric: true },
          { label: 'Reasoning', cell: (p) => usd(p.reasoning), numeric: true },
          { label: 'Source', cell: sourceOf },
          {
            label: 'Actions',
            cell: (p) =>
              props.mayWrite ? (
                <div class="row-actions">
                  <button
                    type="button"
                    aria-label={`${p.source === 'admin' ? 'Edit' : 'Override'} the price of ${p.model}`}
                    onClick={() => setOpen({ value: p })}
                  >
                    {p.source === 'admin' ? 'Edit' : 'Override'}
                  </button>
                  {p.source === 'admin' ? (
                    <button
                      type="button"
                      class="danger"
                      aria-label={`Remove the price set for ${p.model}`}
                      onClick={() => remove(p.model)}
                    >
                      Remove
                    </button>
                  ) : null}
                </div>
              ) : (
                <span class="muted">read-only</span>
              ),
          },
        ]}
      />
      {open ? <PriceForm existing={open.value} onClose={() => setOpen(null)} onSaved={props.prices.reload} /> : null}
    </Section>
  );
}
