/**
 * Marks a provider unhealthy after repeated failures so requests skip straight to the fallback,
 * then lets one probe request through after a cool-down (closed -> open -> half-open -> closed).
 */
export type BreakerState = 'closed' | 'open' | 'half-open';

export interface CircuitBreakerOptions {
  failureThreshold?: number;
  coolDownMs?: number;
  now?: () => number;
}

export interface BreakerStatus {
  state: BreakerState;
  consecutiveFailures: number;
  openedAt: number | null;
  lastError: string | null;
}

export function createCircuitBreaker(options: CircuitBreakerOptions = {}) {
  const threshold = options.failureThreshold ?? 3;
  const coolDownMs = options.coolDownMs ?? 30_000;
  const now = options.now ?? Date.now;
  const circuits = new Map<string, BreakerStatus & { probing: boolean }>();

  const get = (key: string) => {
    let circuit = circuits.get(key);
    if (!circuit) {
      circuit = { state: 'closed', consecutiveFailures: 0, openedAt: null, lastError: null, probing: false };
      circuits.set(key, circuit);
    }
    if (circuit.state === 'open' && circuit.openedAt !== null && now() - circuit.openedAt >= coolDownMs) {
      circuit.state = 'half-open';
      circuit.probing = false;
    }
    return circuit;
  };

  return {
    /** Whether a request may go to this provider now (in half-open, only one at a time). */
    allow(key: string): boolean {
      const circuit = get(key);
      if (circuit.state === 'closed') return true;
      if (circuit.state === 'half-open' && !circuit.probing) {
        circuit.probing = true;
        return true;
      }
      return false;
    },
    success(key: string) {
      const circuit = get(key);
      Object.assign(circuit, {
        state: 'closed',
        consecutiveFailures: 0,
        openedAt: null,
        lastError: null,
        probing: false,
      });
    },
    /** A failure that says the provider is down (not one caused by the request itself). */
    failure(key: string, message: string) {
      const circuit = get(key);
      circuit.consecutiveFailures += 1;
      circuit.lastError = message;
      circuit.probing = false;
      if (circuit.state === 'half-open' || circuit.consecutiveFailures >= threshold) {
        circuit.state = 'open';
        circuit.openedAt = now();
      }
    },
    status(key: string): BreakerStatus {
      const { probing: _probing, ...status } = get(key);
      return status;
    },
  };
}

export type CircuitBreaker = ReturnType<typeof createCircuitBreaker>;
