/**
 * The fraction of `predicted` class indices equal to `actual` ones: the one accuracy of fer (`@fer/cnn` and
 * `@fer/heads` export it too).
 * @throws RangeError when the two lists differ in length or are empty (an evaluation that scored nothing has no
 *   accuracy).
 */
export function accuracy(predicted: ArrayLike<number>, actual: ArrayLike<number>): number {
  if (predicted.length !== actual.length || actual.length === 0) {
    throw new RangeError(`accuracy needs two equally long non-empty label lists (${predicted.length} vs ${actual.length})`);
  }
  let right = 0;
  for (let i = 0; i < actual.length; i++) if (predicted[i] === actual[i]) right++;
  return right / actual.length;
}
