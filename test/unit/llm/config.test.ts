import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/config/index.ts';
import { findReferenceError, mergeCatalog } from '../../../src/llm/catalog.ts';
import { resolveLlmFileConfig } from '../../../src/llm/config.ts';

// The config's own `${NAME}` syntax, spelled literally.
// biome-ignore lint/suspicious/noTemplateCurlyInString: literal env reference
const ENV_REF_OPENAI = '${OPENAI_KEY}';
// biome-ignore lint/suspicious/noTemplateCurlyInString: literal env reference
const ENV_REF_NOPE = '${NOPE}';
const upstream = { id: 'local', provider: 'openai' as const, base_url: 'http://127.0.0.1:11434/v1' };

describe('LLM config sections', () => {
  it('resolves the minimal config of issue 3, durations and env key references', () => {
    const resolved = resolveLlmFileConfig(
      {
        upstreams: [{ ...upstream, api_keys: [ENV_REF_OPENAI, 'literal'] }],
        models: [{ name: 'llama3', targets: [{ upstream: 'local', model: 'llama3.1:8b', weight: 1 }], timeout: '2m' }],
        reasoning_models: ['o9*'],
      },
      { OPENAI_KEY: 'sk-from-env' },
    );
    expect(resolved.explicit).toBe(true);
    expect(resolved.upstreams[0]?.api_keys).toEqual(['sk-from-env', 'literal']);
    expect(resolved.models[0]).toMatchObject({ name: 'llama3', timeout_ms: 120_000 });
    expect(resolved.models[0]).not.toHaveProperty('timeout');
    expect(resolved.reasoningModels).toEqual(['o9*']);
  });

  it('is not explicit without upstreams (the local-Ollama default applies)', () => {
    expect(resolveLlmFileConfig({}, {}).explicit).toBe(false);
  });

  it('names the field of every reference error', () => {
    const missingEnv = () => resolveLlmFileConfig({ upstreams: [{ ...upstream, api_keys: [ENV_REF_NOPE] }] }, {});
    expect(missingEnv).toThrow(ConfigError);
    expect(missingEnv).toThrow('upstreams.0.api_keys.0');
    expect(() =>
      resolveLlmFileConfig(
        { upstreams: [upstream], models: [{ name: 'm', targets: [{ upstream: 'x', model: 'm' }] }] },
        {},
      ),
    ).toThrow('models.0.targets.0.upstream');
    expect(() =>
      resolveLlmFileConfig(
        {
          upstreams: [upstream],
          models: [{ name: 'm', targets: [{ upstream: 'local', model: 'm' }], fallbacks: ['z'] }],
        },
        {},
      ),
    ).toThrow('models.0.fallbacks.0');
    expect(() => resolveLlmFileConfig({ upstreams: [upstream, upstream] }, {})).toThrow('upstreams.1.id');
  });
});

describe('catalog merge', () => {
  const target = (name: string, up: string) => ({ name, targets: [{ upstream: up, model: name }] });

  it('merges file, default, admin and discovered sources, first definition wins, dangling groups dropped', () => {
    const merged = mergeCatalog({
      file: { upstreams: [upstream], models: [target('a', 'local')] },
      defaultUpstream: { id: 'ollama', provider: 'ollama', base_url: 'http://127.0.0.1:11434' },
      stored: {
        upstreams: [{ ...upstream, base_url: 'http://other/v1' }],
        models: [target('a', 'local'), target('b', 'gone')],
      },
      discovered: [target('c', 'ollama'), target('a', 'ollama')],
    });
    expect(merged.config.upstreams.map((u) => [u.id, u.base_url])).toEqual([
      ['local', 'http://127.0.0.1:11434/v1'],
      ['ollama', 'http://127.0.0.1:11434'],
    ]);
    expect(merged.config.models.map((g) => g.name)).toEqual(['a', 'c']);
    expect(merged.sourceOfGroup.get('c')).toBe('default');
    expect(merged.dropped).toEqual(['b']);
  });

  it('finds dangling targets and fallbacks', () => {
    expect(findReferenceError({ upstreams: [upstream], models: [target('a', 'local')] })).toBeNull();
    expect(findReferenceError({ upstreams: [], models: [target('a', 'local')] })).toContain('unknown upstream local');
    expect(
      findReferenceError({ upstreams: [upstream], models: [{ ...target('a', 'local'), fallbacks: ['b'] }] }, ['b']),
    ).toBeNull();
  });
});
