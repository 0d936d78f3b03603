// Values derived from a name (a device, an interface, a PSI resource) that every
// sample of that name needs: dedup keys, metric descriptors. Built once and reused
// instead of once per event; bounded, since names come from outside.
export class Memo<T> {
  private readonly known = new Map<string, T>();

  constructor(private readonly make: (name: string) => T, private readonly max = 1024) {}

  get(name: string): T {
    let v = this.known.get(name);
    if (v === undefined) {
      if (this.known.size >= this.max) this.known.clear();
      v = this.make(name);
      this.known.set(name, v);
    }
    return v;
  }
}
