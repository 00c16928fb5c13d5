/** Removes the containers, then the networks, that carry the label (key=value). Synchronous. */
export function removeDockerByLabel(label: string, cli: string): void;
