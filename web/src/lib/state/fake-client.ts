import type { ApiClient } from '../api/client.js'

/** A stand-in for the API client in state tests: only the methods a test needs, typed loosely. */
export function fakeClient(methods: Partial<Record<keyof ApiClient, (...args: any[]) => unknown>>): ApiClient {
  return methods as unknown as ApiClient
}
