#!/bin/sh
# A Slurm job array: one task per shard, then a dependent merge job.
#   sbatch docs/examples/slurm-array.sh
#SBATCH --job-name=kvalrap
#SBATCH --array=1-16
#SBATCH --cpus-per-task=2
#SBATCH --time=00:30:00
set -eu
kvalrap run --config /etc/kvalrap/kvalrap.conf --jobs 2 --shard "${SLURM_ARRAY_TASK_ID}/16"
# Submit the merge once, from the first task, to run after the whole array:
if [ "${SLURM_ARRAY_TASK_ID}" = 1 ]; then
    sbatch --dependency=afterok:"${SLURM_ARRAY_JOB_ID}" --wrap "kvalrap merge --config /etc/kvalrap/kvalrap.conf"
fi
